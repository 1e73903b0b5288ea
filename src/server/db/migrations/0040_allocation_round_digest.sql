-- Issue 16: a published allocation round's ledger document names its results and its dealers'
-- inputs by a SHA-256 digest computed in the database (one pass over the stored rows, nothing
-- sent to the application) instead of listing them; at 4,000 dealers × 160 SKUs the listed
-- document was 640,000 objects built, serialised and hashed in the application on every publish
-- and on every verify.
--
-- document_format 1: the document lists results and dealers (rounds published before this
-- migration keep it, so their recorded hashes still verify); 2: digests (see
-- allocation-run.repository.ts `roundDigests` for the exact text hashed). Nothing here rewrites
-- existing rows.
alter table allocation_rounds add column document_format smallint not null default 1
  check (document_format in (1, 2));
alter table allocation_rounds alter column document_format set default 2;
