-- Row-level security for the tables added beside 0017 (the second wall, ARCHITECTURE.md):
-- a statement's snapshots belong to the statement's dealer; the audit log is the network's
-- (administrators read it; sign-ins and account changes write it as the system or the network).

select forecourt_protect_child('statement_snapshots', 'statement_id', 'incentive_statements');

alter table audit_log enable row level security;
create policy forecourt_scope on audit_log to forecourt_app
  using ((select forecourt_scope_all())) with check ((select forecourt_scope_all()));
