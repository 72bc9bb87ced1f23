"""Command-line front ends: thin layers that parse, call the library and render."""
