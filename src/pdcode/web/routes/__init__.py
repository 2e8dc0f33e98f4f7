"""The pages (with their JSON twins) and the JSON API of the workbench."""
