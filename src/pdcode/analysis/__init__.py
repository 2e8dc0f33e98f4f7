"""Analysis: pure functions over DataFrames read from the store."""
