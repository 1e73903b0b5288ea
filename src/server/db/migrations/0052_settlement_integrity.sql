-- Settlement integrity (docs/incentives.md, "Claims", "A VIN is paid once", dealer progress cache).
--
-- 1. A claim paid by an adjustment (migration 0048) is a settled unit of its own kind: an unwind of
--    its sale claws the adjustment's amount back, once, in the statement the unwind counts in. The
--    approved statement that carries that clawback marks the adjustment, as it marks a settled
--    unit (settled_unit_benefits.clawed_back_by): a later statement does not claw it back again.
alter table incentive_adjustments add column clawed_back_by bigint;
alter table incentive_adjustments add constraint incentive_adjustments_clawed_back_by_fk
  foreign key (clawed_back_by, dealer_id) references incentive_statements (id, dealer_id);

-- 2. A dealer's progress can depend on another dealer's approval (a VIN paid once: dealer A's
--    approved sale of a VIN excludes dealer B's delivery of it, paid_to_other_dealer), which
--    writes no row of B. Every change of a program's settled units, and every status change of
--    one of its statements, bumps the program's settlement_version; the progress cache's stamp
--    reads the programs table (dealer-progress-cache.ts), so B's cached progress is computed
--    again. One update of the program's row per statement (statement-level triggers).
alter table programs add column settlement_version bigint not null default 0;

create or replace function forecourt_bump_settlement_version() returns trigger
  language plpgsql security definer
  set search_path = public, pg_temp
  as $$
begin
  if tg_table_name = 'incentive_statements' then
    update programs p set settlement_version = p.settlement_version + 1
     where p.id in (select n.program_id from changed_new n join changed_old o on o.id = n.id
                     where o.status is distinct from n.status);
  elsif tg_op = 'DELETE' then
    update programs p set settlement_version = p.settlement_version + 1
     where p.id in (select program_id from changed_old);
  else
    update programs p set settlement_version = p.settlement_version + 1
     where p.id in (select program_id from changed_new);
  end if;
  return null;
end
$$;

create trigger settled_unit_benefits_inserted after insert on settled_unit_benefits
  referencing new table as changed_new
  for each statement execute function forecourt_bump_settlement_version();
create trigger settled_unit_benefits_updated after update on settled_unit_benefits
  referencing old table as changed_old new table as changed_new
  for each statement execute function forecourt_bump_settlement_version();
create trigger settled_unit_benefits_deleted after delete on settled_unit_benefits
  referencing old table as changed_old
  for each statement execute function forecourt_bump_settlement_version();
create trigger incentive_statements_status_changed after update on incentive_statements
  referencing old table as changed_old new table as changed_new
  for each statement execute function forecourt_bump_settlement_version();
