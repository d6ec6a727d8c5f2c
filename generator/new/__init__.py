"""`scaffold new`: answers -> spec -> plan -> render -> write_tree."""
