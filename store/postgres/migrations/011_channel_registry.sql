-- Reserved for the channel registry, which lands on its own; until then
-- this version changes nothing.
SELECT 1;
