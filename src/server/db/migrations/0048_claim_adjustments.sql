-- A claim approved when no statement can count its sale any more (docs/incentives.md, "Claims") is
-- paid by one adjustment line that names it. The name is a column, not only the explanation's
-- words: statements leave a claim paid that way out (it is paid once, by the adjustment, even when
-- its period is re-closed later), and a second adjustment of the same claim is refused.
alter table incentive_claims add constraint incentive_claims_dealer_id_id_key unique (dealer_id, id);
alter table incentive_adjustments add column claim_id bigint;
alter table incentive_adjustments add constraint incentive_adjustments_claim_fk
  foreign key (dealer_id, claim_id) references incentive_claims (dealer_id, id);
-- the claim adjustments written before this migration name their claim in the explanation only
update incentive_adjustments a set claim_id = c.id
  from incentive_claims c
  where a.dispute_id is null and a.integrity_flag_id is null
    and a.explanation ~ '^claim [0-9]+ \(VIN '
    and c.id = substring(a.explanation from '^claim ([0-9]+) ')::bigint
    and c.dealer_id = a.dealer_id
    and a.id = (select min(b.id) from incentive_adjustments b
                where b.dealer_id = a.dealer_id and b.dispute_id is null and b.integrity_flag_id is null
                  and b.explanation ~ ('^claim ' || c.id || ' \(VIN '));
create unique index incentive_adjustments_claim_once
  on incentive_adjustments (dealer_id, claim_id) where claim_id is not null;
