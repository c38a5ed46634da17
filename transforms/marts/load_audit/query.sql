-- marts.load_audit: one row per landing file of this run (meta.lake_files, before the files
-- carried from later dates are added), its rows split into loaded, duplicate and quarantined
-- (meta.excluded_rows). The table is created empty from schema.yaml first (build.py), so its
-- CHECK holds every row to rows_read = rows_loaded + rows_duplicate + rows_quarantined.
INSERT INTO marts.load_audit
SELECT f.source, f.dt, f.file, f.rows_read,
       f.rows_valid - coalesce(x.dup, 0) - coalesce(x.conflict, 0),
       coalesce(x.dup, 0), f.rows_bad + coalesce(x.conflict, 0), f.sha256, f.loaded_at
FROM meta.lake_files f
LEFT JOIN (SELECT source, file, count(*) FILTER (kind = 'duplicate') AS dup,
                  count(*) FILTER (kind = 'conflict') AS conflict
           FROM meta.excluded_rows GROUP BY ALL) x USING (source, file)
ORDER BY f.source, f.dt, f.file
