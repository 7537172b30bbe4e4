--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: api; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA api;

--
-- Name: SCHEMA api; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA api IS 'FreshPlan sales API';

--
-- Name: app; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA app;

--
-- Name: SCHEMA app; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA app IS 'Tables and internal functions of the FreshPlan sales backend.';

--
-- Name: app_private; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA app_private;

--
-- Name: SCHEMA app_private; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA app_private IS 'Token hashes, secrets and security definer helpers; no web role reads it directly.';

--
-- Name: extensions; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA extensions;

--
-- Name: SCHEMA extensions; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA extensions IS 'Extensions, kept out of the application schemas.';

--
-- Name: flyway; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA flyway;

--
-- Name: SCHEMA public; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA public IS 'Unused: every object lives in a named schema.';

--
-- Name: reporting; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA reporting;

--
-- Name: SCHEMA reporting; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA reporting IS 'Aggregate and pseudonymised views for analysts (read-only SQL).';

--
-- Name: now(); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.now() RETURNS timestamp with time zone
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    select coalesce((select o.fixed_at from app.clock_override as o), pg_catalog.now())
$$;

--
-- Name: FUNCTION now(); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.now() IS 'Current time for every rule: the transaction time, or app.clock_override.fixed_at when set.';

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: users; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.users (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    org_id uuid NOT NULL,
    email text NOT NULL,
    display_name text NOT NULL,
    role text NOT NULL,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT app.now() NOT NULL,
    deactivated_at timestamp with time zone,
    CONSTRAINT users_deactivated_consistent CHECK ((active = (deactivated_at IS NULL))),
    CONSTRAINT users_display_name_length CHECK (((char_length(display_name) >= 1) AND (char_length(display_name) <= 200))),
    CONSTRAINT users_email_format CHECK (((char_length(email) <= 254) AND (email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'::text))),
    CONSTRAINT users_role_known CHECK ((role = ANY (ARRAY['sales_rep'::text, 'sales_manager'::text, 'auditor'::text, 'tenant_admin'::text])))
);

--
-- Name: TABLE users; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.users IS 'People who sign in. The JWT sub is users.id; a token works only while the user is active with the tenant, organisation and role the token names.';

--
-- Name: COLUMN users.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.users.id IS 'User id (JWT sub).';

--
-- Name: COLUMN users.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.users.tenant_id IS 'Tenant; users never see another tenant.';

--
-- Name: COLUMN users.org_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.users.org_id IS 'Organisation inside the tenant.';

--
-- Name: COLUMN users.email; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.users.email IS 'Sign-in and notification address, unique per tenant (case-insensitive).';

--
-- Name: COLUMN users.display_name; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.users.display_name IS 'Name shown to colleagues.';

--
-- Name: COLUMN users.role; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.users.role IS 'Web role: sales_rep, sales_manager, auditor or tenant_admin.';

--
-- Name: COLUMN users.active; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.users.active IS 'False once deactivated: existing tokens stop working at once.';

--
-- Name: COLUMN users.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.users.created_at IS 'When the user was created.';

--
-- Name: COLUMN users.deactivated_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.users.deactivated_at IS 'When the user was deactivated, or null.';

--
-- Name: users; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.users WITH (security_invoker='true') AS
 SELECT u.id,
    u.display_name,
    u.role,
    u.org_id
   FROM app.users u
  WHERE u.active;

--
-- Name: VIEW users; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.users IS 'Active users of the caller''s tenant (no e-mail addresses: reps see names and roles only).';

--
-- Name: COLUMN users.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.users.id IS 'User id (JWT sub).';

--
-- Name: COLUMN users.display_name; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.users.display_name IS 'Name shown to colleagues.';

--
-- Name: COLUMN users.role; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.users.role IS 'sales_rep, sales_manager, auditor or tenant_admin.';

--
-- Name: COLUMN users.org_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.users.org_id IS 'Organisation inside the tenant.';

--
-- Name: create_user(text, text, text, uuid); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.create_user(email text, display_name text, role text, org_id uuid) RETURNS api.users
    LANGUAGE plpgsql
    AS $_$
declare
    v_email text := btrim(create_user.email);
    v_name text := btrim(create_user.display_name);
    v_id uuid;
begin
    if app.current_web_role() is distinct from 'tenant_admin' then
        perform app.raise_error('FP102', 403, 'Only a tenant administrator may do this.');
    end if;
    if v_email is null or char_length(v_email) > 254
        or v_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' then
        perform app.raise_error(
            'FP111', 400, 'The e-mail address is not valid.', 'email',
            'Use an address like name@example.com (at most 254 characters).'
        );
    end if;
    if v_name is null or char_length(v_name) not between 1 and 200 then
        perform app.raise_error(
            'FP112', 400, 'The display name must have 1 to 200 characters.', 'display_name'
        );
    end if;
    if create_user.role is null
        or create_user.role not in ('sales_rep', 'sales_manager', 'auditor', 'tenant_admin') then
        perform app.raise_error(
            'FP113', 400, 'The role is not valid.', 'role',
            'Use sales_rep, sales_manager, auditor or tenant_admin.'
        );
    end if;
    -- RLS shows only the caller's organisations, so another tenant's org looks unknown.
    if create_user.org_id is null
        or not exists (select from app.orgs as o where o.id = create_user.org_id) then
        perform app.raise_error(
            'FP114', 400, 'The organisation does not exist in your tenant.', 'org_id'
        );
    end if;

    begin
        insert into app.users (tenant_id, org_id, email, display_name, role)
        values (app.current_tenant_id(), create_user.org_id, v_email, v_name, create_user.role)
        returning id into v_id;
    exception when unique_violation then
        perform app.raise_error(
            'FP115', 409, 'A user with this e-mail address already exists.', 'email'
        );
    end;

    return (select u from api.users as u where u.id = v_id);
end
$_$;

--
-- Name: FUNCTION create_user(email text, display_name text, role text, org_id uuid); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.create_user(email text, display_name text, role text, org_id uuid) IS 'Creates a user in the caller''s tenant (tenant admins only) and returns it.';

--
-- Name: deactivate_user(uuid); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.deactivate_user(user_id uuid) RETURNS void
    LANGUAGE plpgsql
    AS $$
begin
    if app.current_web_role() is distinct from 'tenant_admin' then
        perform app.raise_error('FP102', 403, 'Only a tenant administrator may do this.');
    end if;
    if deactivate_user.user_id is null
        or not exists (select from app.users as u where u.id = deactivate_user.user_id) then
        perform app.raise_error('FP116', 404, 'The user does not exist.', 'user_id');
    end if;
    if deactivate_user.user_id = app.current_user_id() then
        perform app.raise_error(
            'FP117', 409, 'You cannot deactivate your own account.', 'user_id',
            'Ask another tenant administrator.'
        );
    end if;

    update app.users as u
    set active = false, deactivated_at = app.now()
    where u.id = deactivate_user.user_id and u.active;
end
$$;

--
-- Name: FUNCTION deactivate_user(user_id uuid); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.deactivate_user(user_id uuid) IS 'Deactivates a user of the caller''s tenant (tenant admins only); their tokens stop working at once.';

--
-- Name: whoami(); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.whoami() RETURNS api.users
    LANGUAGE sql STABLE
    AS $$
    select u.* from api.users as u where u.id = app.current_user_id()
$$;

--
-- Name: FUNCTION whoami(); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.whoami() IS 'The calling user.';

--
-- Name: current_org_id(); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.current_org_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ select (app.jwt_claims() ->> 'org_id')::uuid $$;

--
-- Name: FUNCTION current_org_id(); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.current_org_id() IS 'The calling user''s organisation (JWT org_id), or null.';

--
-- Name: current_tenant_id(); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.current_tenant_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ select (app.jwt_claims() ->> 'tenant_id')::uuid $$;

--
-- Name: FUNCTION current_tenant_id(); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.current_tenant_id() IS 'The calling user''s tenant (JWT tenant_id), or null.';

--
-- Name: current_user_id(); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.current_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ select (app.jwt_claims() ->> 'sub')::uuid $$;

--
-- Name: FUNCTION current_user_id(); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.current_user_id() IS 'The calling user (JWT sub), or null.';

--
-- Name: current_web_role(); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.current_web_role() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ select app.jwt_claims() ->> 'role' $$;

--
-- Name: FUNCTION current_web_role(); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.current_web_role() IS 'The calling user''s web role (JWT role): sales_rep, sales_manager, auditor or tenant_admin.';

--
-- Name: jwt_claims(); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.jwt_claims() RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    select coalesce(nullif(pg_catalog.current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;

--
-- Name: FUNCTION jwt_claims(); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.jwt_claims() IS 'The claims of the current request, as PostgREST (or the API service) set them; {} when none.';

--
-- Name: raise_error(text, integer, text, text, text); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.raise_error(p_code text, p_status integer, p_message text, p_details text DEFAULT NULL::text, p_hint text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql PARALLEL SAFE
    AS $$
begin
    raise sqlstate 'PGRST' using
        message = pg_catalog.json_build_object(
            'code', p_code, 'message', p_message, 'details', p_details, 'hint', p_hint
        )::text,
        detail = pg_catalog.json_build_object(
            'status', p_status, 'headers', pg_catalog.json_build_object()
        )::text;
end
$$;

--
-- Name: FUNCTION raise_error(p_code text, p_status integer, p_message text, p_details text, p_hint text); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.raise_error(p_code text, p_status integer, p_message text, p_details text, p_hint text) IS 'Raises a domain error with a registered code (docs/error_codes.md) and HTTP status.';

--
-- Name: check_request(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.check_request() RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
    v_claims jsonb := coalesce(
        nullif(pg_catalog.current_setting('request.jwt.claims', true), ''), '{}'
    )::jsonb;
    v_uuid constant text := '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$';
begin
    -- No token: the request runs as web_anon, which can read nothing.
    if v_claims ->> 'role' is null or v_claims ->> 'role' = 'web_anon' then
        return;
    end if;
    if not (
        coalesce(v_claims ->> 'sub', '') ~ v_uuid
        and coalesce(v_claims ->> 'tenant_id', '') ~ v_uuid
        and coalesce(v_claims ->> 'org_id', '') ~ v_uuid
        and exists (
            select
            from app.users as u
            where
                u.id = (v_claims ->> 'sub')::uuid
                and u.tenant_id = (v_claims ->> 'tenant_id')::uuid
                and u.org_id = (v_claims ->> 'org_id')::uuid
                and u.role = v_claims ->> 'role'
                and u.active
        )
    ) then
        perform app.raise_error(
            'FP101', 401, 'Your session is no longer valid. Please sign in again.',
            'The token does not belong to an active user with this tenant, organisation and role.'
        );
    end if;
end
$_$;

--
-- Name: FUNCTION check_request(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.check_request() IS 'PostgREST db-pre-request (and the API service before user calls): rejects tokens whose sub is not an active user of that tenant, organisation and role, so deactivation acts at once.';

--
-- Name: token_claims(text, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.token_claims(p_email text, p_tenant_slug text DEFAULT NULL::text) RETURNS TABLE(sub uuid, role text, tenant_id uuid, org_id uuid, tenant_slug text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select u.id, u.role, u.tenant_id, u.org_id, t.slug
    from app.users as u
    inner join app.tenants as t on u.tenant_id = t.id
    where
        lower(u.email) = lower(p_email)
        and u.active
        and (p_tenant_slug is null or t.slug = p_tenant_slug)
    order by t.slug
$$;

--
-- Name: FUNCTION token_claims(p_email text, p_tenant_slug text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.token_claims(p_email text, p_tenant_slug text) IS 'Claims for minting a token for an active user (the freshplan token command).';

--
-- Name: user_accounts; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.user_accounts WITH (security_invoker='true') AS
 SELECT u.id,
    u.email,
    u.display_name,
    u.role,
    u.org_id,
    u.active,
    u.created_at,
    u.deactivated_at
   FROM app.users u;

--
-- Name: VIEW user_accounts; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.user_accounts IS 'All users of the caller''s tenant with e-mail and status, for managers, auditors and admins.';

--
-- Name: COLUMN user_accounts.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.user_accounts.id IS 'User id (JWT sub).';

--
-- Name: COLUMN user_accounts.email; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.user_accounts.email IS 'Sign-in and notification address.';

--
-- Name: COLUMN user_accounts.display_name; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.user_accounts.display_name IS 'Name shown to colleagues.';

--
-- Name: COLUMN user_accounts.role; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.user_accounts.role IS 'sales_rep, sales_manager, auditor or tenant_admin.';

--
-- Name: COLUMN user_accounts.org_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.user_accounts.org_id IS 'Organisation inside the tenant.';

--
-- Name: COLUMN user_accounts.active; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.user_accounts.active IS 'False once deactivated.';

--
-- Name: COLUMN user_accounts.created_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.user_accounts.created_at IS 'When the user was created.';

--
-- Name: COLUMN user_accounts.deactivated_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.user_accounts.deactivated_at IS 'When the user was deactivated, or null.';

--
-- Name: clock_override; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.clock_override (
    singleton boolean DEFAULT true NOT NULL,
    fixed_at timestamp with time zone NOT NULL,
    CONSTRAINT clock_override_single_row CHECK (singleton)
);

--
-- Name: TABLE clock_override; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.clock_override IS 'At most one row. When present, app.now() returns fixed_at instead of the transaction time. Only the owner (tests, operators) can write it; runtime roles can only read it.';

--
-- Name: COLUMN clock_override.singleton; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.clock_override.singleton IS 'Always true: keeps the table to one row.';

--
-- Name: COLUMN clock_override.fixed_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.clock_override.fixed_at IS 'The time app.now() reports while the row exists.';

--
-- Name: orgs; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.orgs (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    name text NOT NULL,
    created_at timestamp with time zone DEFAULT app.now() NOT NULL,
    CONSTRAINT orgs_name_length CHECK (((char_length(name) >= 1) AND (char_length(name) <= 200)))
);

--
-- Name: TABLE orgs; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.orgs IS 'An organisation (sales region, agency) inside a tenant.';

--
-- Name: COLUMN orgs.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.orgs.id IS 'Organisation id, the org_id claim of its users'' tokens.';

--
-- Name: COLUMN orgs.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.orgs.tenant_id IS 'Owning tenant.';

--
-- Name: COLUMN orgs.name; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.orgs.name IS 'Display name, unique in the tenant.';

--
-- Name: COLUMN orgs.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.orgs.created_at IS 'When the organisation was created.';

--
-- Name: tenants; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.tenants (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    slug text NOT NULL,
    name text NOT NULL,
    created_at timestamp with time zone DEFAULT app.now() NOT NULL,
    CONSTRAINT tenants_name_length CHECK (((char_length(name) >= 1) AND (char_length(name) <= 200))),
    CONSTRAINT tenants_slug_format CHECK ((slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'::text))
);

--
-- Name: TABLE tenants; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.tenants IS 'A customer company of FreshPlan; every other row belongs to one.';

--
-- Name: COLUMN tenants.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.tenants.id IS 'Tenant id, the tenant_id claim of its users'' tokens.';

--
-- Name: COLUMN tenants.slug; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.tenants.slug IS 'Short unique name for operators and the token command.';

--
-- Name: COLUMN tenants.name; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.tenants.name IS 'Display name.';

--
-- Name: COLUMN tenants.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.tenants.created_at IS 'When the tenant was created.';

--
-- Name: flyway_schema_history; Type: TABLE; Schema: flyway; Owner: -
--

CREATE TABLE flyway.flyway_schema_history (
    installed_rank integer NOT NULL,
    version character varying(50),
    description character varying(200) NOT NULL,
    type character varying(20) NOT NULL,
    script character varying(1000) NOT NULL,
    checksum integer,
    installed_by character varying(100) NOT NULL,
    installed_on timestamp without time zone DEFAULT now() NOT NULL,
    execution_time integer NOT NULL,
    success boolean NOT NULL
);

--
-- Name: clock_override clock_override_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.clock_override
    ADD CONSTRAINT clock_override_pkey PRIMARY KEY (singleton);

--
-- Name: orgs orgs_id_tenant_key; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.orgs
    ADD CONSTRAINT orgs_id_tenant_key UNIQUE (id, tenant_id);

--
-- Name: orgs orgs_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.orgs
    ADD CONSTRAINT orgs_pkey PRIMARY KEY (id);

--
-- Name: orgs orgs_tenant_name_key; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.orgs
    ADD CONSTRAINT orgs_tenant_name_key UNIQUE (tenant_id, name);

--
-- Name: tenants tenants_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.tenants
    ADD CONSTRAINT tenants_pkey PRIMARY KEY (id);

--
-- Name: tenants tenants_slug_key; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.tenants
    ADD CONSTRAINT tenants_slug_key UNIQUE (slug);

--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

--
-- Name: flyway_schema_history flyway_schema_history_pk; Type: CONSTRAINT; Schema: flyway; Owner: -
--

ALTER TABLE ONLY flyway.flyway_schema_history
    ADD CONSTRAINT flyway_schema_history_pk PRIMARY KEY (installed_rank);

--
-- Name: users_email_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX users_email_idx ON app.users USING btree (lower(email));

--
-- Name: users_org_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX users_org_tenant_idx ON app.users USING btree (org_id, tenant_id);

--
-- Name: users_tenant_email_key; Type: INDEX; Schema: app; Owner: -
--

CREATE UNIQUE INDEX users_tenant_email_key ON app.users USING btree (tenant_id, lower(email));

--
-- Name: flyway_schema_history_s_idx; Type: INDEX; Schema: flyway; Owner: -
--

CREATE INDEX flyway_schema_history_s_idx ON flyway.flyway_schema_history USING btree (success);

--
-- Name: orgs orgs_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.orgs
    ADD CONSTRAINT orgs_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: users users_org_in_tenant_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.users
    ADD CONSTRAINT users_org_in_tenant_fkey FOREIGN KEY (org_id, tenant_id) REFERENCES app.orgs(id, tenant_id) ON DELETE RESTRICT;

--
-- Name: users users_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.users
    ADD CONSTRAINT users_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: clock_override; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.clock_override ENABLE ROW LEVEL SECURITY;

--
-- Name: users insert_admin; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_admin ON app.users FOR INSERT TO tenant_admin WITH CHECK ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY insert_admin ON users; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_admin ON app.users IS 'A tenant admin creates users in their own tenant only.';

--
-- Name: orgs; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.orgs ENABLE ROW LEVEL SECURITY;

--
-- Name: clock_override select_all; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_all ON app.clock_override FOR SELECT TO sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs USING (true);

--
-- Name: POLICY select_all ON clock_override; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_all ON app.clock_override IS 'Every runtime role reads the override, because app.now() runs with its privileges.';

--
-- Name: tenants select_own; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_own ON app.tenants FOR SELECT TO sales_rep, sales_manager, auditor, tenant_admin USING ((id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_own ON tenants; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_own ON app.tenants IS 'A user sees only their own tenant.';

--
-- Name: orgs select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.orgs FOR SELECT TO sales_rep, sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON orgs; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.orgs IS 'A user sees the organisations of their tenant.';

--
-- Name: users select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.users FOR SELECT TO sales_rep, sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON users; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.users IS 'A user sees the users of their tenant.';

--
-- Name: tenants; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.tenants ENABLE ROW LEVEL SECURITY;

--
-- Name: users update_admin; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY update_admin ON app.users FOR UPDATE TO tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id))) WITH CHECK ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY update_admin ON users; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY update_admin ON app.users IS 'A tenant admin changes users of their own tenant only.';

--
-- Name: users; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.users ENABLE ROW LEVEL SECURITY;

--
-- Name: SCHEMA api; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA api TO sales_rep;
GRANT USAGE ON SCHEMA api TO sales_manager;
GRANT USAGE ON SCHEMA api TO auditor;
GRANT USAGE ON SCHEMA api TO tenant_admin;

--
-- Name: SCHEMA app; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA app TO sales_rep;
GRANT USAGE ON SCHEMA app TO sales_manager;
GRANT USAGE ON SCHEMA app TO auditor;
GRANT USAGE ON SCHEMA app TO tenant_admin;

--
-- Name: SCHEMA app_private; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA app_private TO svc_api;
GRANT USAGE ON SCHEMA app_private TO svc_jobs;
GRANT USAGE ON SCHEMA app_private TO web_anon;
GRANT USAGE ON SCHEMA app_private TO sales_rep;
GRANT USAGE ON SCHEMA app_private TO sales_manager;
GRANT USAGE ON SCHEMA app_private TO auditor;
GRANT USAGE ON SCHEMA app_private TO tenant_admin;

--
-- Name: SCHEMA extensions; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA extensions TO sales_rep;
GRANT USAGE ON SCHEMA extensions TO sales_manager;
GRANT USAGE ON SCHEMA extensions TO auditor;
GRANT USAGE ON SCHEMA extensions TO tenant_admin;
GRANT USAGE ON SCHEMA extensions TO svc_api;
GRANT USAGE ON SCHEMA extensions TO svc_jobs;

--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: -
--

REVOKE USAGE ON SCHEMA public FROM PUBLIC;

--
-- Name: SCHEMA reporting; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA reporting TO reporting_reader;

--
-- Name: FUNCTION now(); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.now() FROM PUBLIC;
GRANT ALL ON FUNCTION app.now() TO sales_rep;
GRANT ALL ON FUNCTION app.now() TO sales_manager;
GRANT ALL ON FUNCTION app.now() TO auditor;
GRANT ALL ON FUNCTION app.now() TO tenant_admin;
GRANT ALL ON FUNCTION app.now() TO svc_api;
GRANT ALL ON FUNCTION app.now() TO svc_jobs;

--
-- Name: TABLE users; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.users TO sales_manager;
GRANT SELECT ON TABLE app.users TO auditor;
GRANT SELECT ON TABLE app.users TO tenant_admin;

--
-- Name: COLUMN users.id; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(id) ON TABLE app.users TO sales_rep;

--
-- Name: COLUMN users.tenant_id; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(tenant_id) ON TABLE app.users TO sales_rep;
GRANT INSERT(tenant_id) ON TABLE app.users TO tenant_admin;

--
-- Name: COLUMN users.org_id; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(org_id) ON TABLE app.users TO sales_rep;
GRANT INSERT(org_id) ON TABLE app.users TO tenant_admin;

--
-- Name: COLUMN users.email; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(email) ON TABLE app.users TO tenant_admin;

--
-- Name: COLUMN users.display_name; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(display_name) ON TABLE app.users TO sales_rep;
GRANT INSERT(display_name),UPDATE(display_name) ON TABLE app.users TO tenant_admin;

--
-- Name: COLUMN users.role; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(role) ON TABLE app.users TO sales_rep;
GRANT INSERT(role) ON TABLE app.users TO tenant_admin;

--
-- Name: COLUMN users.active; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(active) ON TABLE app.users TO sales_rep;
GRANT UPDATE(active) ON TABLE app.users TO tenant_admin;

--
-- Name: COLUMN users.created_at; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(created_at) ON TABLE app.users TO sales_rep;

--
-- Name: COLUMN users.deactivated_at; Type: ACL; Schema: app; Owner: -
--

GRANT UPDATE(deactivated_at) ON TABLE app.users TO tenant_admin;

--
-- Name: TABLE users; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.users TO sales_rep;
GRANT SELECT ON TABLE api.users TO sales_manager;
GRANT SELECT ON TABLE api.users TO auditor;
GRANT SELECT ON TABLE api.users TO tenant_admin;

--
-- Name: FUNCTION create_user(email text, display_name text, role text, org_id uuid); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.create_user(email text, display_name text, role text, org_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION api.create_user(email text, display_name text, role text, org_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION api.create_user(email text, display_name text, role text, org_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION api.create_user(email text, display_name text, role text, org_id uuid) TO auditor;
GRANT ALL ON FUNCTION api.create_user(email text, display_name text, role text, org_id uuid) TO tenant_admin;

--
-- Name: FUNCTION deactivate_user(user_id uuid); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.deactivate_user(user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION api.deactivate_user(user_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION api.deactivate_user(user_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION api.deactivate_user(user_id uuid) TO auditor;
GRANT ALL ON FUNCTION api.deactivate_user(user_id uuid) TO tenant_admin;

--
-- Name: FUNCTION whoami(); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.whoami() FROM PUBLIC;
GRANT ALL ON FUNCTION api.whoami() TO sales_rep;
GRANT ALL ON FUNCTION api.whoami() TO sales_manager;
GRANT ALL ON FUNCTION api.whoami() TO auditor;
GRANT ALL ON FUNCTION api.whoami() TO tenant_admin;

--
-- Name: FUNCTION current_org_id(); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.current_org_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app.current_org_id() TO sales_rep;
GRANT ALL ON FUNCTION app.current_org_id() TO sales_manager;
GRANT ALL ON FUNCTION app.current_org_id() TO auditor;
GRANT ALL ON FUNCTION app.current_org_id() TO tenant_admin;
GRANT ALL ON FUNCTION app.current_org_id() TO svc_api;
GRANT ALL ON FUNCTION app.current_org_id() TO svc_jobs;

--
-- Name: FUNCTION current_tenant_id(); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.current_tenant_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app.current_tenant_id() TO sales_rep;
GRANT ALL ON FUNCTION app.current_tenant_id() TO sales_manager;
GRANT ALL ON FUNCTION app.current_tenant_id() TO auditor;
GRANT ALL ON FUNCTION app.current_tenant_id() TO tenant_admin;
GRANT ALL ON FUNCTION app.current_tenant_id() TO svc_api;
GRANT ALL ON FUNCTION app.current_tenant_id() TO svc_jobs;

--
-- Name: FUNCTION current_user_id(); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.current_user_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app.current_user_id() TO sales_rep;
GRANT ALL ON FUNCTION app.current_user_id() TO sales_manager;
GRANT ALL ON FUNCTION app.current_user_id() TO auditor;
GRANT ALL ON FUNCTION app.current_user_id() TO tenant_admin;
GRANT ALL ON FUNCTION app.current_user_id() TO svc_api;
GRANT ALL ON FUNCTION app.current_user_id() TO svc_jobs;

--
-- Name: FUNCTION current_web_role(); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.current_web_role() FROM PUBLIC;
GRANT ALL ON FUNCTION app.current_web_role() TO sales_rep;
GRANT ALL ON FUNCTION app.current_web_role() TO sales_manager;
GRANT ALL ON FUNCTION app.current_web_role() TO auditor;
GRANT ALL ON FUNCTION app.current_web_role() TO tenant_admin;
GRANT ALL ON FUNCTION app.current_web_role() TO svc_api;
GRANT ALL ON FUNCTION app.current_web_role() TO svc_jobs;

--
-- Name: FUNCTION jwt_claims(); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.jwt_claims() FROM PUBLIC;
GRANT ALL ON FUNCTION app.jwt_claims() TO sales_rep;
GRANT ALL ON FUNCTION app.jwt_claims() TO sales_manager;
GRANT ALL ON FUNCTION app.jwt_claims() TO auditor;
GRANT ALL ON FUNCTION app.jwt_claims() TO tenant_admin;
GRANT ALL ON FUNCTION app.jwt_claims() TO svc_api;
GRANT ALL ON FUNCTION app.jwt_claims() TO svc_jobs;

--
-- Name: FUNCTION raise_error(p_code text, p_status integer, p_message text, p_details text, p_hint text); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.raise_error(p_code text, p_status integer, p_message text, p_details text, p_hint text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.raise_error(p_code text, p_status integer, p_message text, p_details text, p_hint text) TO sales_rep;
GRANT ALL ON FUNCTION app.raise_error(p_code text, p_status integer, p_message text, p_details text, p_hint text) TO sales_manager;
GRANT ALL ON FUNCTION app.raise_error(p_code text, p_status integer, p_message text, p_details text, p_hint text) TO auditor;
GRANT ALL ON FUNCTION app.raise_error(p_code text, p_status integer, p_message text, p_details text, p_hint text) TO tenant_admin;
GRANT ALL ON FUNCTION app.raise_error(p_code text, p_status integer, p_message text, p_details text, p_hint text) TO svc_api;
GRANT ALL ON FUNCTION app.raise_error(p_code text, p_status integer, p_message text, p_details text, p_hint text) TO svc_jobs;

--
-- Name: FUNCTION check_request(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.check_request() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.check_request() TO web_anon;
GRANT ALL ON FUNCTION app_private.check_request() TO sales_rep;
GRANT ALL ON FUNCTION app_private.check_request() TO sales_manager;
GRANT ALL ON FUNCTION app_private.check_request() TO auditor;
GRANT ALL ON FUNCTION app_private.check_request() TO tenant_admin;
GRANT ALL ON FUNCTION app_private.check_request() TO svc_api;

--
-- Name: FUNCTION token_claims(p_email text, p_tenant_slug text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.token_claims(p_email text, p_tenant_slug text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.token_claims(p_email text, p_tenant_slug text) TO svc_api;

--
-- Name: TABLE user_accounts; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.user_accounts TO sales_manager;
GRANT SELECT ON TABLE api.user_accounts TO auditor;
GRANT SELECT ON TABLE api.user_accounts TO tenant_admin;

--
-- Name: TABLE clock_override; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.clock_override TO sales_rep;
GRANT SELECT ON TABLE app.clock_override TO sales_manager;
GRANT SELECT ON TABLE app.clock_override TO auditor;
GRANT SELECT ON TABLE app.clock_override TO tenant_admin;
GRANT SELECT ON TABLE app.clock_override TO svc_api;
GRANT SELECT ON TABLE app.clock_override TO svc_jobs;

--
-- Name: TABLE orgs; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.orgs TO sales_rep;
GRANT SELECT ON TABLE app.orgs TO sales_manager;
GRANT SELECT ON TABLE app.orgs TO auditor;
GRANT SELECT ON TABLE app.orgs TO tenant_admin;

--
-- Name: TABLE tenants; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.tenants TO sales_rep;
GRANT SELECT ON TABLE app.tenants TO sales_manager;
GRANT SELECT ON TABLE app.tenants TO auditor;
GRANT SELECT ON TABLE app.tenants TO tenant_admin;

--
-- Name: DEFAULT PRIVILEGES FOR TYPES; Type: DEFAULT ACL; Schema: -; Owner: -
--

ALTER DEFAULT PRIVILEGES FOR ROLE migrator REVOKE ALL ON TYPES  FROM PUBLIC;

--
-- Name: DEFAULT PRIVILEGES FOR FUNCTIONS; Type: DEFAULT ACL; Schema: -; Owner: -
--

ALTER DEFAULT PRIVILEGES FOR ROLE migrator REVOKE ALL ON FUNCTIONS  FROM PUBLIC;

--
-- PostgreSQL database dump complete
--

