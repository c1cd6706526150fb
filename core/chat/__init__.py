"""Chat: conversations stored in SQLite, answers streamed from the model with cited context."""
