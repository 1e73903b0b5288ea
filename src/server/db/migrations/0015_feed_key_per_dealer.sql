-- The feed's idempotency key is per dealer (issue 12, item 2).
--
-- Unique on (source, external_id) alone, one dealer's key could learn whether another dealer had
-- stored a row (the answer counted it as a duplicate) and could take ids another dealer would send
-- later. The key is now (dealer_id, source, external_id): each dealer's sending systems own their
-- ids, and the table is ready to be sharded by dealer. source and external_id keep their byte-order
-- collation (0009), so the index compares them byte by byte. The old key implied the new one, so
-- the rows stored so far satisfy it.
alter table transactions drop constraint if exists transactions_source_external_id_key;
alter table transactions
  add constraint transactions_dealer_source_external_id_key unique (dealer_id, source, external_id);

-- The row of its batch each row came from (1-based, as in the answer's problems; null for rows
-- stored before this column). A key repeated inside one batch with different content is a row
-- error naming both rows, and the first of them may have been stored by an earlier segment of the
-- same batch. No default: adding the column rewrites nothing.
alter table transactions add column batch_row integer;
