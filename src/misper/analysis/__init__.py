"""Pure analysis of the canonical incident table: frames in, tables and values out.

No files and no HTML: the report package writes those.
"""
