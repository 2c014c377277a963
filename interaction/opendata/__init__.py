"""Open government (政务公开): public statistics per department and district, and the bulk
open-data files (daily CSV and JSON of the published cases and of the statistics).

Modules: `statistics` (the public figures, read through `interaction.insights`: nothing is
recomputed here), `fields` (every field of the files: name, type, meaning, masking — the
documentation in docs/open-data.md and the page are written from it), `export` (writing a day's
files, streaming), `store` (where the files live, the index, safe lookup of a file by name),
`apis` (the JSON API).
"""
