-- The audit log: sign-ins (succeeded, failed, refused by the per-account limit) and permission
-- changes (users created or changed, API keys created or revoked). Written in the same database
-- transaction as the change it records; append-only; read by administrators only.
--
-- The e-mail of a sign-in is kept as given (lowercased), so failures for unknown accounts are
-- recorded too: the per-account login limit counts failures per e-mail across every address.
create table audit_log (
  id bigserial primary key,
  at timestamptz not null default now(),
  kind text not null check (kind in (
    'sign_in.succeeded', 'sign_in.failed', 'sign_in.limited',
    'user.created', 'user.updated', 'user.disabled', 'user.enabled', 'user.password_reset',
    'api_key.created', 'api_key.revoked')),
  -- who acted: a user or an API key (null: the system, or an anonymous sign-in attempt)
  actor_user_id integer references users(id),
  actor_api_key_id integer references api_keys(id),
  -- the account concerned
  user_id integer references users(id),
  api_key_id integer references api_keys(id),
  email text,
  address text,
  user_agent text,
  details jsonb not null default '{}'
);
create index audit_log_at_idx on audit_log (at desc, id desc);
create index audit_log_user_idx on audit_log (user_id, at desc) where user_id is not null;
create index audit_log_actor_idx on audit_log (actor_user_id, at desc) where actor_user_id is not null;
-- the per-account login limit: failures of one e-mail in the last minutes
create index audit_log_sign_in_failed_idx on audit_log (email, at) where kind = 'sign_in.failed';
