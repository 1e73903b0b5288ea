-- Issue 14, Performance: each stored risk keeps a hash of its computed content (the row's COPY
-- text as the refresh writes it: insights.repository.ts `riskCopyText`, program-risk.repository.ts
-- `copyLine`). A refresh stages its rows as text with their hash and writes only those whose hash
-- differs from the stored one: an unchanged row's JSON is no longer parsed into jsonb nor compared
-- with the stored value. A row stored before (no hash) is compared in full once and takes its hash.
alter table commitment_risks add column content_hash uuid;
alter table program_tier_risks add column content_hash uuid;
