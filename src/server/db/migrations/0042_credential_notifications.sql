-- Issue 18: the API processes keep a signed-in actor for a few seconds instead of reading the
-- session (or API key) with every request (modules/auth/credential-cache.ts). Revocation must stay
-- immediate in every process, however the change is made (the service, the CLI, SQL): each change
-- that ends a credential or alters what its actor is (role, scope, name, activity, password)
-- announces itself on the channel `forecourt_auth` when its transaction commits, and every process
-- drops what it kept of that credential.
--
-- Payloads: 's:<token_hash>' a session is gone or cut short; 'u:<user id>' a user changed (its sessions);
-- 'k:<api key id>' an API key changed; '*' anything a scope is made of changed (a dealer's code or
-- group, a group's or region's code or path): every kept actor is dropped. NOTIFY sends identical
-- payloads of one transaction once, so a bulk change of dealers costs one '*'.

create or replace function forecourt_notify_auth() returns trigger
language plpgsql as $$
begin
  if tg_table_name = 'users' then
    perform pg_notify('forecourt_auth', 'u:' || coalesce(old.id, new.id));
  elsif tg_table_name = 'sessions' then
    perform pg_notify('forecourt_auth', 's:' || old.token_hash);
  elsif tg_table_name = 'api_keys' then
    perform pg_notify('forecourt_auth', 'k:' || coalesce(old.id, new.id));
  else
    perform pg_notify('forecourt_auth', '*');
  end if;
  return null;
end $$;

-- sessions: one statement may end many (a user's deactivation, a clean-up of expired ones); more
-- than 500 in one statement drop everything instead of sending one payload each
create or replace function forecourt_notify_sessions_gone() returns trigger
language plpgsql as $$
begin
  if (select count(*) from gone) > 500 then
    perform pg_notify('forecourt_auth', '*');
  else
    perform pg_notify('forecourt_auth', 's:' || g.token_hash) from gone g;
  end if;
  return null;
end $$;

create trigger sessions_notify_auth after delete on sessions
  referencing old table as gone for each statement execute function forecourt_notify_sessions_gone();
-- a session cut short (its expiry moved earlier) or changed otherwise; the sliding expiry's
-- extension (last_seen_at, a later expires_at) announces nothing
create trigger sessions_update_notify_auth after update on sessions for each row
  when (new.expires_at < old.expires_at or new.user_id is distinct from old.user_id
        or new.csrf_token is distinct from old.csrf_token or new.token_hash is distinct from old.token_hash)
  execute function forecourt_notify_auth();

create trigger users_notify_auth after update on users for each row
  when (old.name is distinct from new.name or old.role is distinct from new.role
        or old.region_id is distinct from new.region_id or old.dealer_id is distinct from new.dealer_id
        or old.dealer_group_id is distinct from new.dealer_group_id
        or old.is_active is distinct from new.is_active
        or old.password_hash is distinct from new.password_hash)
  execute function forecourt_notify_auth();
create trigger users_delete_notify_auth after delete on users for each row
  execute function forecourt_notify_auth();

create trigger api_keys_notify_auth after update on api_keys for each row
  when (old.name is distinct from new.name or old.role is distinct from new.role
        or old.region_id is distinct from new.region_id or old.dealer_id is distinct from new.dealer_id
        or old.dealer_group_id is distinct from new.dealer_group_id
        or old.revoked_at is distinct from new.revoked_at or old.key_hash is distinct from new.key_hash)
  execute function forecourt_notify_auth();
create trigger api_keys_delete_notify_auth after delete on api_keys for each row
  execute function forecourt_notify_auth();

-- what a scope is made of: a group's dealers (ids and codes), a dealer's code, a region's code and path
create trigger dealers_insert_notify_auth after insert on dealers for each row
  when (new.dealer_group_id is not null) execute function forecourt_notify_auth();
create trigger dealers_delete_notify_auth after delete on dealers for each row
  execute function forecourt_notify_auth();
create trigger dealers_update_notify_auth after update on dealers for each row
  when (old.code is distinct from new.code or old.dealer_group_id is distinct from new.dealer_group_id)
  execute function forecourt_notify_auth();
create trigger dealer_groups_notify_auth after update on dealer_groups for each row
  when (old.code is distinct from new.code) execute function forecourt_notify_auth();
create trigger regions_notify_auth after update on regions for each row
  when (old.code is distinct from new.code or old.path is distinct from new.path)
  execute function forecourt_notify_auth();
