"""`pdcode review export|import|summary` (being written)."""
