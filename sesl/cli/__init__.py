"""The `sesl` command line: thin click commands over the library."""
