"""Read-only views of what Mnemo holds, shaped for pictures: a topic map, a timeline, the decoder's
training curve and per-folder import progress. Nothing here writes to a store; the UI only draws the rows."""
