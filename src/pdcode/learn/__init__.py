"""Learned code suggestions: a supervised model per code, trained on a project's
human coding.

``records`` holds what goes in (``TrainingUnit``) and comes out (``Suggestion``,
``CodeScore``, ``CurveRow``); ``features`` is the TF-IDF transform over words and
word pieces; ``folds`` the cross-validation folds grouped by source;
``thresholds`` picks each code's threshold from out-of-fold probabilities;
``model`` is the scikit-learn style ``SuggestionModel``; ``serial`` saves and
loads it as plain JSON data with a digest (never pickle); ``curve`` measures how
the suggestions improve with more coded sources.

No database here: the api builds the units from a project and stores the records.
"""

from pdcode.learn.curve import cross_validate, learning_curve
from pdcode.learn.model import NothingToLearn, SuggestionModel
from pdcode.learn.records import CodeScore, CurveRow, Suggestion, TrainingUnit
from pdcode.learn.serial import from_record, to_record

__all__ = [
    "CodeScore",
    "CurveRow",
    "NothingToLearn",
    "Suggestion",
    "SuggestionModel",
    "TrainingUnit",
    "cross_validate",
    "from_record",
    "learning_curve",
    "to_record",
]
