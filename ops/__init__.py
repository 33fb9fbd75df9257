"""Operations tools run next to the Pulumi program (docs/how-to/operations.md): the nightly backup
(``python -m ops.backup``), the restore and disaster recovery (``python -m ops.restore``), the daily restore test
into a throwaway project (``python -m ops.restore_test``) and the restore point taken before every production
promotion (``python -m ops.restore_point``).

They read credentials from the environment only (the stack's ESC environment exports them): the Supabase
access token, the backup bucket's credentials and the age identity that decrypts backups.
"""
