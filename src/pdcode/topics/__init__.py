"""Emergent themes: topic models over interview segments.

``text`` turns segments into lemma documents (stop words, interview fillers and
speakers' names removed); ``model`` is a scikit-learn style ``TopicModel`` (NMF
over TF-IDF or LDA over counts, seeded); ``coherence`` scores topics by NPMI over
the corpus itself; ``select`` picks k by coherence and stability across seeds;
``describe`` ties topics back to excerpts, groups and codebook codes.
"""
