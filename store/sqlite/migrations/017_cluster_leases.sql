-- Scale-out runs on PostgreSQL only (its migration 017 adds the leases,
-- instances, forwarded commands and fencing triggers). SQLite serves one
-- instance and keeps its writes unfenced; this version exists so that both
-- stores count their schema versions alike.
SELECT 1;
