-- intermediate.int_identity__scored_pairs: splink's scored version pairs at or above the
-- threshold, gathered by transforms/intermediate/identity.py in _identity_scored (last night's
-- pairs when they carry, and what splink scored tonight). Read by int_identity__links.
CREATE OR REPLACE TABLE intermediate.int_identity__scored_pairs AS
FROM _identity_scored ORDER BY version_key_l, version_key_r;
