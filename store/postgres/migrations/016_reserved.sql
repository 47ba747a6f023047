-- Schema version 016 belongs to a change that is not in this tree yet; this
-- file only holds its number so that 017 applies, and goes when it lands.
SELECT 1;
