"""Services own every write of the mailbox domain. Import them from their modules."""
