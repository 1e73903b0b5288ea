-- A settled unit taken back by a correction is not clawed back again (docs/incentives.md, "A VIN
-- is paid once").
--
-- When two approved payments of one VIN both stand, the first approval keeps the VIN and the
-- other dealer's next statement takes its payment back with a correction line naming the delivery
-- (0062/0063: `correction_reason` 'vin_paid_to_other_dealer', or 'vin_delivered_by_other_dealer'
-- when the other dealer's earlier delivery arrived late; `corrects_transaction_id`). That line
-- recorded nothing about the unit it took back, so a later unwind of that delivery by its dealer
-- found the unit still settled and clawed it back a second time: the dealer lost the payment
-- twice (over all statements, -100 for a sale paid once, to the other dealer).
--
-- Now the approval of such a take-back marks the unit (`taken_back_by`, the approved statement;
-- `taken_back_reason`, the exclusion the engine gives a later unwind of it: that unwind takes
-- nothing more). A later correction paying the delivery again (a freed VIN) clears the mark, so
-- its unwind claws back what that correction paid. Nothing approved changes; the statements and
-- the VIN rule (forecourt_vin_blocked) read the unit as before: its payment was approved, and
-- the take-back is a line of its own.
alter table settled_unit_benefits add column taken_back_by bigint;
alter table settled_unit_benefits add constraint settled_unit_benefits_taken_back_by_fk
  foreign key (taken_back_by, dealer_id) references incentive_statements (id, dealer_id);
alter table settled_unit_benefits add column taken_back_reason text
  check (taken_back_reason in ('paid_to_other_dealer', 'delivered_by_other_dealer'));
