"""What differs per operating system, one small module per backend behind one interface.

Nothing here imports Qt, so the command line can use it.
"""
