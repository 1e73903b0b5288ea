-- Issue 11, defect 3: a SKU's MSRP has a history. Each price is valid from its date until the
-- next one; a transaction is priced at the price valid on its occurred_on (percent_of_msrp
-- benefits, what-if). Prices are added only forward (valid_from after today, see
-- docs/incentives.md "Prices"): a price that has applied is never rewritten. The amount is in the
-- network's currency (settings.currency), as skus.msrp.
create table sku_prices (
  sku_id integer not null references skus(id),
  valid_from date not null,
  msrp numeric(12, 2) not null check (msrp >= 0),
  created_by text not null,
  created_at timestamptz not null default now(),
  primary key (sku_id, valid_from)
);

-- The current catalog price becomes the first price of every SKU, valid since always.
insert into sku_prices (sku_id, valid_from, msrp, created_by)
select id, date '1900-01-01', msrp, 'migration 0011' from skus;

-- A SKU created later (catalog API, demo seed, fixtures) starts with its MSRP valid since always:
-- it has no transactions yet (the feed refuses unknown SKUs). skus.msrp stays the price the SKU
-- was created with; the prices are read from sku_prices.
create function sku_prices_first() returns trigger language plpgsql as $$
begin
  insert into sku_prices (sku_id, valid_from, msrp, created_by)
  values (new.id, date '1900-01-01', new.msrp, 'sku created');
  return new;
end;
$$;
create trigger skus_first_price after insert on skus
  for each row execute function sku_prices_first();
