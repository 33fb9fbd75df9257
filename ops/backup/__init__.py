"""The nightly logical backup: dump (pg_dump in the snapshot the row counts were taken in), encrypt (age, to a
public recipient: the job can write backups but never read one), upload to a pluggable target (an S3-compatible
bucket such as R2, or a directory), verify (the dump's catalog is readable, the stored object has the size and
SHA-256 the manifest records). Each backup is two objects: ``<prefix>/<stamp>.dump.age`` and its manifest
``<prefix>/<stamp>.json`` (when, which schemas, every table's row count, checksum, versions), which the restore
verifies against.
"""
