"""Small widgets shared by the panes: message bar, empty states, progress with ETA, model status."""
