"""Inter-coder reliability: pure functions over DataFrames read from the store.

``stats`` holds the coefficients and their conventional bands; ``agreement``
applies them to the codings of a project, unit by unit and code by code;
``characters`` compares coders character by character, as desktop tools do;
``table`` handles data coded anywhere (one row per unit, one column per coder);
``disagreements`` lists the units where coders differ.
"""
