"""Search helpers shared by documents and memories: rank fusion and FTS5 query building."""
