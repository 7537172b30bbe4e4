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
-- Name: btree_gist; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA extensions;

--
-- Name: EXTENSION btree_gist; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION btree_gist IS 'support for indexing common datatypes in GiST';

--
-- Name: pg_trgm; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions;

--
-- Name: EXTENSION pg_trgm; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_trgm IS 'text similarity measurement and index searching based on trigrams';

--
-- Name: pgcrypto; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;

--
-- Name: EXTENSION pgcrypto; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pgcrypto IS 'cryptographic functions';

--
-- Name: similar_lead; Type: TYPE; Schema: app; Owner: -
--

CREATE TYPE app.similar_lead AS (
	id uuid,
	company_name text,
	postal_code text,
	city text,
	similarity real,
	status text
);

--
-- Name: TYPE similar_lead; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TYPE app.similar_lead IS 'A row of api.find_similar_leads.';

--
-- Name: test_phase_link; Type: TYPE; Schema: app; Owner: -
--

CREATE TYPE app.test_phase_link AS (
	id uuid,
	lead_id uuid,
	box_id uuid,
	stage text,
	start_date date,
	end_date date,
	created_at timestamp with time zone,
	feedback_token text,
	feedback_link text,
	feedback_link_expires_at timestamp with time zone,
	feedback_max_submissions integer
);

--
-- Name: TYPE test_phase_link; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TYPE app.test_phase_link IS 'A test phase with its new feedback token and link (the only time the raw token is shown).';

--
-- Name: normalize_company_name(text); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.normalize_company_name(p_name text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    select btrim(regexp_replace(regexp_replace(regexp_replace(
        translate(
            replace(replace(replace(replace(lower(p_name), 'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'ß', 'ss'),
            'àáâãåāăąçćčďđèéêëēėęěğìíîïīįłñńňòóôõøōőŕřśšşťùúûūůűųýÿžźżæœ',
            'aaaaaaaacccddeeeeeeeegiiiiiilnnnooooooorrsssstuuuuuuuyyzzzeo'
        ),
        -- punctuation and symbols become spaces, so "e.K." and "GmbH & Co. KG" become words
        '[^a-z0-9]+', ' ', 'g'),
        -- legal forms as whole words, the longest first
        '\m(gmbh co kg|gmbh co ohg|ug haftungsbeschraenkt|gmbh|ag|kg|ohg|ug|e k|ek|gbr|mbh)\M', ' ', 'g'),
        ' +', ' ', 'g'))
$$;

--
-- Name: FUNCTION normalize_company_name(p_name text); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.normalize_company_name(p_name text) IS 'Company name for duplicate detection: lower case, umlauts spelled out, accents removed, legal forms (GmbH, GmbH & Co. KG, AG, KG, OHG, UG, e.K., GbR) dropped, punctuation and spaces collapsed.';

--
-- Name: normalize_postal_code(text); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.normalize_postal_code(p_postal_code text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ select upper(regexp_replace(p_postal_code, '[^A-Za-z0-9]', '', 'g')) $$;

--
-- Name: FUNCTION normalize_postal_code(p_postal_code text); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.normalize_postal_code(p_postal_code text) IS 'Postal code without spaces and punctuation, upper case.';

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

--
-- Name: protection_deadlines(timestamp with time zone, timestamp with time zone, interval, interval, timestamp with time zone, timestamp with time zone, text, integer, timestamp with time zone, text, integer, integer, integer, integer, text, jsonb, timestamp with time zone); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.protection_deadlines(p_registered_at timestamp with time zone, p_anchor_at timestamp with time zone, p_held_since_anchor interval, p_held_since_registration interval, p_hold_start timestamp with time zone, p_hold_end timestamp with time zone, p_hold_reason text, p_extension_days integer, p_override_until timestamp with time zone, p_timezone text, p_progress_days integer, p_warning_days integer, p_grace_days integer, p_base_months integer, p_mode text, p_hold_max_days jsonb, p_at timestamp with time zone) RETURNS TABLE(progress_due_at timestamp with time zone, warning_at timestamp with time zone, grace_until timestamp with time zone, term_end_at timestamp with time zone, expires_at timestamp with time zone, status text, clock_stopped boolean, held_seconds numeric)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    select
        w.progress_due_at,
        w.warning_at,
        w.grace_until,
        w.term_end_at,
        w.expires_at,
        case
            when p_at >= w.expires_at then 'EXPIRED'
            when p_at >= w.progress_due_at and not coalesce(p_override_until > p_at, false) then 'GRACE'
            else 'ACTIVE'
        end,
        coalesce(p_hold_start <= p_at and p_at < h.hold_stop, false),
        extract(epoch from h.held_registration)
    from (
        -- the latest hold stops counting at its end, its cap or now, whichever comes first
        select
            case when p_hold_start is not null then least(
                coalesce(p_hold_end, 'infinity'),
                p_hold_start + make_interval(
                    secs => 86400 * coalesce((p_hold_max_days ->> p_hold_reason)::integer, 0)
                )
            ) end as hold_stop
    ) as c
    cross join lateral (
        select
            coalesce(p_held_since_anchor, '0') + make_interval(secs => case
                when p_hold_start is null then 0
                else greatest(0, extract(epoch from least(c.hold_stop, p_at) - greatest(p_hold_start, p_anchor_at)))
            end) as held_anchor,
            coalesce(p_held_since_registration, '0') + make_interval(secs => case
                when p_hold_start is null then 0
                else greatest(
                    0, extract(epoch from least(c.hold_stop, p_at) - greatest(p_hold_start, p_registered_at))
                )
            end) as held_registration,
            c.hold_stop
    ) as h
    cross join lateral (
        select
            ((p_anchor_at at time zone p_timezone)
                + make_interval(days => p_progress_days)) at time zone p_timezone
            + h.held_anchor as progress_due_at,
            ((p_anchor_at at time zone p_timezone)
                + make_interval(days => p_progress_days - p_warning_days))
            at time zone p_timezone
            + h.held_anchor as warning_at,
            ((p_anchor_at at time zone p_timezone)
                + make_interval(days => p_progress_days + p_grace_days))
            at time zone p_timezone
            + h.held_anchor as grace_until,
            ((p_registered_at at time zone p_timezone)
                + make_interval(months => p_base_months, days => coalesce(p_extension_days, 0)))
            at time zone p_timezone
            + h.held_registration as term_end_at
    ) as d
    cross join lateral (
        select
            d.progress_due_at,
            d.warning_at,
            d.grace_until,
            d.term_end_at,
            greatest(
                case p_mode when 'LEAST' then least(d.grace_until, d.term_end_at) else d.grace_until end,
                p_override_until
            ) as expires_at
    ) as w
    where p_registered_at is not null
$$;

--
-- Name: FUNCTION protection_deadlines(p_registered_at timestamp with time zone, p_anchor_at timestamp with time zone, p_held_since_anchor interval, p_held_since_registration interval, p_hold_start timestamp with time zone, p_hold_end timestamp with time zone, p_hold_reason text, p_extension_days integer, p_override_until timestamp with time zone, p_timezone text, p_progress_days integer, p_warning_days integer, p_grace_days integer, p_base_months integer, p_mode text, p_hold_max_days jsonb, p_at timestamp with time zone); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.protection_deadlines(p_registered_at timestamp with time zone, p_anchor_at timestamp with time zone, p_held_since_anchor interval, p_held_since_registration interval, p_hold_start timestamp with time zone, p_hold_end timestamp with time zone, p_hold_reason text, p_extension_days integer, p_override_until timestamp with time zone, p_timezone text, p_progress_days integer, p_warning_days integer, p_grace_days integer, p_base_months integer, p_mode text, p_hold_max_days jsonb, p_at timestamp with time zone) IS 'Deadlines and status of one protection cycle at time p_at (SPEC 3.3); no row for pool leads.';

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: activities; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.activities (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    assignment_id uuid,
    kind text NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    note text,
    created_by uuid,
    created_at timestamp with time zone DEFAULT app.now() NOT NULL,
    CONSTRAINT activities_note_length CHECK ((char_length(note) <= 5000))
);

--
-- Name: TABLE activities; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.activities IS 'What happened on a lead. Qualifying kinds renew protection.';

--
-- Name: COLUMN activities.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.activities.id IS 'Activity id.';

--
-- Name: COLUMN activities.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.activities.tenant_id IS 'Tenant.';

--
-- Name: COLUMN activities.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.activities.lead_id IS 'Lead.';

--
-- Name: COLUMN activities.assignment_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.activities.assignment_id IS 'Protection cycle it was logged in.';

--
-- Name: COLUMN activities.kind; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.activities.kind IS 'Kind (app.activity_kinds of the tenant).';

--
-- Name: COLUMN activities.occurred_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.activities.occurred_at IS 'When it happened (between registration and now).';

--
-- Name: COLUMN activities.note; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.activities.note IS 'Free text.';

--
-- Name: COLUMN activities.created_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.activities.created_by IS 'Who logged it; null for the system.';

--
-- Name: COLUMN activities.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.activities.created_at IS 'When it was logged.';

--
-- Name: activity_kinds; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.activity_kinds (
    tenant_id uuid NOT NULL,
    kind text NOT NULL,
    counts_as_progress boolean NOT NULL,
    description text NOT NULL,
    CONSTRAINT activity_kinds_description_length CHECK (((char_length(description) >= 1) AND (char_length(description) <= 300))),
    CONSTRAINT activity_kinds_kind_format CHECK ((kind ~ '^[A-Z][A-Z_]{1,39}$'::text))
);

--
-- Name: TABLE activity_kinds; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.activity_kinds IS 'Kinds of activity per tenant; counts_as_progress decides whether an activity keeps protection alive.';

--
-- Name: COLUMN activity_kinds.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.activity_kinds.tenant_id IS 'Tenant (each tenant decides its own flags).';

--
-- Name: COLUMN activity_kinds.kind; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.activity_kinds.kind IS 'Kind code, e.g. QUALIFIED_CALL.';

--
-- Name: COLUMN activity_kinds.counts_as_progress; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.activity_kinds.counts_as_progress IS 'Qualifying activity: renews the protection anchor. Changing it applies to existing activities.';

--
-- Name: COLUMN activity_kinds.description; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.activity_kinds.description IS 'What the kind means.';

--
-- Name: activities; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.activities WITH (security_invoker='true') AS
 SELECT a.id,
    a.lead_id,
    a.kind,
    a.occurred_at,
    a.note,
    k.counts_as_progress,
    a.created_by,
    a.created_at
   FROM (app.activities a
     JOIN app.activity_kinds k ON (((a.tenant_id = k.tenant_id) AND (a.kind = k.kind))));

--
-- Name: VIEW activities; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.activities IS 'Activities of leads the caller may read in full.';

--
-- Name: COLUMN activities.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.activities.id IS 'Activity id.';

--
-- Name: COLUMN activities.lead_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.activities.lead_id IS 'Lead.';

--
-- Name: COLUMN activities.kind; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.activities.kind IS 'Kind.';

--
-- Name: COLUMN activities.occurred_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.activities.occurred_at IS 'When it happened.';

--
-- Name: COLUMN activities.note; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.activities.note IS 'Free text.';

--
-- Name: COLUMN activities.counts_as_progress; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.activities.counts_as_progress IS 'Whether its kind counts as progress (now).';

--
-- Name: COLUMN activities.created_by; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.activities.created_by IS 'Who logged it (null: the system).';

--
-- Name: COLUMN activities.created_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.activities.created_at IS 'When it was logged.';

--
-- Name: lead_details; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.lead_details (
    lead_id uuid NOT NULL,
    tenant_id uuid NOT NULL,
    street text,
    country text DEFAULT 'DE'::text NOT NULL,
    vat_id text,
    contact_name text,
    contact_email text,
    contact_phone text,
    notes text,
    xentral_customer_id text,
    CONSTRAINT lead_details_contact_email_format CHECK ((((char_length(contact_email) <= 254) AND (contact_email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'::text)) OR ((char_length(contact_email) = 64) AND (contact_email ~ '^[0-9a-f]{64}$'::text)))),
    CONSTRAINT lead_details_contact_name_length CHECK (((char_length(contact_name) >= 1) AND (char_length(contact_name) <= 200))),
    CONSTRAINT lead_details_contact_phone_format CHECK ((contact_phone ~ '^\+?[0-9 ()/.-]{3,40}$'::text)),
    CONSTRAINT lead_details_country_format CHECK ((country ~ '^[A-Z]{2}$'::text)),
    CONSTRAINT lead_details_notes_length CHECK ((char_length(notes) <= 5000)),
    CONSTRAINT lead_details_street_length CHECK (((char_length(street) >= 1) AND (char_length(street) <= 200))),
    CONSTRAINT lead_details_vat_id_length CHECK (((char_length(vat_id) >= 4) AND (char_length(vat_id) <= 20))),
    CONSTRAINT lead_details_xentral_customer_id_format CHECK ((xentral_customer_id ~ '^[0-9]{1,20}$'::text))
);

--
-- Name: TABLE lead_details; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.lead_details IS 'Address and contact data of a lead: only for those who may read the lead in full (not the pool).';

--
-- Name: COLUMN lead_details.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_details.lead_id IS 'Lead.';

--
-- Name: COLUMN lead_details.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_details.tenant_id IS 'Tenant (same as the lead).';

--
-- Name: COLUMN lead_details.street; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_details.street IS 'Street and number.';

--
-- Name: COLUMN lead_details.country; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_details.country IS 'ISO 3166 country code.';

--
-- Name: COLUMN lead_details.vat_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_details.vat_id IS 'VAT id as entered.';

--
-- Name: COLUMN lead_details.contact_name; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_details.contact_name IS 'Contact person (ANONYMIZED after pseudonymisation).';

--
-- Name: COLUMN lead_details.contact_email; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_details.contact_email IS 'Contact e-mail (its SHA-256 hex after pseudonymisation).';

--
-- Name: COLUMN lead_details.contact_phone; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_details.contact_phone IS 'Contact phone.';

--
-- Name: COLUMN lead_details.notes; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_details.notes IS 'Free notes.';

--
-- Name: COLUMN lead_details.xentral_customer_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_details.xentral_customer_id IS 'Xentral''s customer id of the lead''s company (link_xentral_customer); orders go to this customer.';

--
-- Name: leads; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.leads (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    company_name text NOT NULL,
    postal_code text NOT NULL,
    city text NOT NULL,
    name_key text GENERATED ALWAYS AS (app.normalize_company_name(company_name)) STORED,
    dup_key text GENERATED ALWAYS AS (((app.normalize_company_name(company_name) || '|'::text) || app.normalize_postal_code(postal_code))) STORED,
    vat_key text,
    created_by uuid,
    created_at timestamp with time zone DEFAULT app.now() NOT NULL,
    owner_id uuid,
    assignment_id uuid,
    registered_at timestamp with time zone,
    anchor_at timestamp with time zone,
    held_since_anchor interval DEFAULT '00:00:00'::interval NOT NULL,
    held_since_registration interval DEFAULT '00:00:00'::interval NOT NULL,
    hold_start timestamp with time zone,
    hold_end timestamp with time zone,
    hold_reason text,
    extension_days integer DEFAULT 0 NOT NULL,
    override_until timestamp with time zone,
    released_at timestamp with time zone,
    pseudonymized_at timestamp with time zone,
    CONSTRAINT leads_city_length CHECK (((char_length(city) >= 1) AND (char_length(city) <= 100))),
    CONSTRAINT leads_city_one_line CHECK ((city !~ '[\x01-\x1f\x7f-\x9f\u2028\u2029]'::text)),
    CONSTRAINT leads_company_name_length CHECK (((char_length(company_name) >= 2) AND (char_length(company_name) <= 200))),
    CONSTRAINT leads_company_name_one_line CHECK ((company_name !~ '[\x01-\x1f\x7f-\x9f\u2028\u2029]'::text)),
    CONSTRAINT leads_owner_state CHECK ((((owner_id IS NULL) = (assignment_id IS NULL)) AND ((owner_id IS NULL) = (registered_at IS NULL)) AND ((owner_id IS NULL) = (anchor_at IS NULL)))),
    CONSTRAINT leads_postal_code_format CHECK ((postal_code ~ '^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$'::text)),
    CONSTRAINT leads_vat_key_format CHECK ((vat_key ~ '^[A-Z]{2}[A-Z0-9]{2,13}$'::text))
);

--
-- Name: TABLE leads; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.leads IS 'A prospect company. Who owns it now and the state of the current protection cycle are kept here (by triggers), so one lead''s protection is a single-row read.';

--
-- Name: COLUMN leads.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.id IS 'Lead id.';

--
-- Name: COLUMN leads.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.tenant_id IS 'Tenant.';

--
-- Name: COLUMN leads.company_name; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.company_name IS 'Company name as registered.';

--
-- Name: COLUMN leads.postal_code; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.postal_code IS 'Postal code.';

--
-- Name: COLUMN leads.city; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.city IS 'City.';

--
-- Name: COLUMN leads.name_key; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.name_key IS 'Normalised company name (trigram similarity).';

--
-- Name: COLUMN leads.dup_key; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.dup_key IS 'Normalised name and postal code: unique per tenant (hard duplicate).';

--
-- Name: COLUMN leads.vat_key; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.vat_key IS 'Normalised VAT id: unique per tenant when present.';

--
-- Name: COLUMN leads.created_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.created_by IS 'User who registered the lead first.';

--
-- Name: COLUMN leads.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.created_at IS 'When the lead was created.';

--
-- Name: COLUMN leads.owner_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.owner_id IS 'Current owner (open assignment), null in the pool.';

--
-- Name: COLUMN leads.assignment_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.assignment_id IS 'The open assignment, null in the pool.';

--
-- Name: COLUMN leads.registered_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.registered_at IS 'registered_at of the open assignment.';

--
-- Name: COLUMN leads.anchor_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.anchor_at IS 'Latest qualifying activity since registration, or registered_at.';

--
-- Name: COLUMN leads.held_since_anchor; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.held_since_anchor IS 'Approved hold time since the anchor, all holds of the cycle but the latest (seconds).';

--
-- Name: COLUMN leads.held_since_registration; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.held_since_registration IS 'Approved hold time since registration, all holds of the cycle but the latest (seconds).';

--
-- Name: COLUMN leads.hold_start; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.hold_start IS 'Start of the latest approved hold of the cycle.';

--
-- Name: COLUMN leads.hold_end; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.hold_end IS 'End of the latest approved hold (null while open).';

--
-- Name: COLUMN leads.hold_reason; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.hold_reason IS 'Reason of the latest approved hold (selects its cap).';

--
-- Name: COLUMN leads.extension_days; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.extension_days IS 'Approved extension days of the cycle.';

--
-- Name: COLUMN leads.override_until; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.override_until IS 'Manager override of the cycle: protected at least until then.';

--
-- Name: COLUMN leads.released_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.released_at IS 'When the lead last went back to the pool.';

--
-- Name: COLUMN leads.pseudonymized_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.leads.pseudonymized_at IS 'When contact data was pseudonymised (GDPR).';

--
-- Name: protection_configs; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.protection_configs (
    tenant_id uuid NOT NULL,
    base_months integer NOT NULL,
    progress_days integer NOT NULL,
    grace_days integer NOT NULL,
    warning_days integer NOT NULL,
    mode text NOT NULL,
    timezone text NOT NULL,
    hold_max_days jsonb NOT NULL,
    cooldown_days integer NOT NULL,
    pseudonymize_after_days integer NOT NULL,
    CONSTRAINT protection_configs_mode_known CHECK ((mode = ANY (ARRAY['GREATEST'::text, 'LEAST'::text])))
);

--
-- Name: TABLE protection_configs; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.protection_configs IS 'Effective protection settings per tenant (derived from the settings registry by triggers; never edited directly).';

--
-- Name: COLUMN protection_configs.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_configs.tenant_id IS 'Tenant.';

--
-- Name: COLUMN protection_configs.base_months; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_configs.base_months IS 'lead.protection.baseMonths.';

--
-- Name: COLUMN protection_configs.progress_days; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_configs.progress_days IS 'lead.protection.progressDays.';

--
-- Name: COLUMN protection_configs.grace_days; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_configs.grace_days IS 'lead.protection.graceDays.';

--
-- Name: COLUMN protection_configs.warning_days; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_configs.warning_days IS 'lead.protection.warningDays.';

--
-- Name: COLUMN protection_configs.mode; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_configs.mode IS 'lead.protection.mode: GREATEST or LEAST.';

--
-- Name: COLUMN protection_configs.timezone; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_configs.timezone IS 'tenant.timezone: IANA zone of calendar arithmetic.';

--
-- Name: COLUMN protection_configs.hold_max_days; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_configs.hold_max_days IS 'lead.protection.hold.maxDays: reason -> days.';

--
-- Name: COLUMN protection_configs.cooldown_days; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_configs.cooldown_days IS 'lead.claim.cooldownDays.';

--
-- Name: COLUMN protection_configs.pseudonymize_after_days; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_configs.pseudonymize_after_days IS 'lead.gdpr.pseudonymizeAfterDays.';

--
-- Name: lead_overview; Type: VIEW; Schema: app; Owner: -
--

CREATE VIEW app.lead_overview WITH (security_invoker='true') AS
 SELECT l.id,
    l.tenant_id,
    l.company_name,
    l.postal_code,
    l.city,
    l.created_at,
    l.released_at,
    l.owner_id,
    l.registered_at,
    l.anchor_at AS last_progress_at,
    l.override_until,
        CASE
            WHEN (l.owner_id IS NULL) THEN
            CASE
                WHEN (l.released_at IS NULL) THEN 'UNASSIGNED'::text
                ELSE 'EXPIRED'::text
            END
            ELSE d.status
        END AS status,
    d.progress_due_at,
    d.warning_at,
    d.grace_until,
    d.term_end_at,
    d.expires_at,
    round((d.held_seconds / (86400)::numeric), 2) AS held_days,
    COALESCE(d.clock_stopped, false) AS clock_stopped
   FROM (((app.leads l
     JOIN app.protection_configs c ON ((l.tenant_id = c.tenant_id)))
     CROSS JOIN ( SELECT app.now() AS t
         LIMIT 1) clock)
     LEFT JOIN LATERAL app.protection_deadlines(l.registered_at, l.anchor_at, l.held_since_anchor, l.held_since_registration, l.hold_start, l.hold_end, l.hold_reason, l.extension_days, l.override_until, c.timezone, c.progress_days, c.warning_days, c.grace_days, c.base_months, c.mode, c.hold_max_days, clock.t) d(progress_due_at, warning_at, grace_until, term_end_at, expires_at, status, clock_stopped, held_seconds) ON (true));

--
-- Name: VIEW lead_overview; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON VIEW app.lead_overview IS 'Leads visible to the caller with their protection status and deadlines now (basis of the api views).';

--
-- Name: leads; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.leads WITH (security_invoker='true') AS
 SELECT o.id,
    o.company_name,
    d.street,
    o.postal_code,
    o.city,
    d.country,
    d.vat_id,
    d.contact_name,
    d.contact_email,
    d.contact_phone,
    o.owner_id,
    o.registered_at,
    o.status,
    o.created_at,
    d.xentral_customer_id
   FROM (app.lead_overview o
     LEFT JOIN app.lead_details d ON ((o.id = d.lead_id)));

--
-- Name: VIEW leads; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.leads IS 'Leads the caller may see. Address and contact fields are empty where the caller may not read them (a rep on a pool lead).';

--
-- Name: COLUMN leads.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.leads.id IS 'Lead id.';

--
-- Name: COLUMN leads.company_name; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.leads.company_name IS 'Company name.';

--
-- Name: COLUMN leads.street; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.leads.street IS 'Street and number.';

--
-- Name: COLUMN leads.postal_code; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.leads.postal_code IS 'Postal code.';

--
-- Name: COLUMN leads.city; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.leads.city IS 'City.';

--
-- Name: COLUMN leads.country; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.leads.country IS 'ISO country code.';

--
-- Name: COLUMN leads.vat_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.leads.vat_id IS 'VAT id.';

--
-- Name: COLUMN leads.contact_name; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.leads.contact_name IS 'Contact person.';

--
-- Name: COLUMN leads.contact_email; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.leads.contact_email IS 'Contact e-mail.';

--
-- Name: COLUMN leads.contact_phone; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.leads.contact_phone IS 'Contact phone.';

--
-- Name: COLUMN leads.owner_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.leads.owner_id IS 'Current owner; null in the pool.';

--
-- Name: COLUMN leads.registered_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.leads.registered_at IS 'Start of the current protection.';

--
-- Name: COLUMN leads.status; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.leads.status IS 'UNASSIGNED, ACTIVE, GRACE or EXPIRED.';

--
-- Name: COLUMN leads.created_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.leads.created_at IS 'When the lead was first registered.';

--
-- Name: COLUMN leads.xentral_customer_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.leads.xentral_customer_id IS 'The linked Xentral customer (link_xentral_customer).';

--
-- Name: activities(api.leads); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.activities(api.leads) RETURNS SETOF api.activities
    LANGUAGE sql STABLE
    AS $_$
    select c.* from api.activities as c where c.lead_id = $1.id
$_$;

--
-- Name: FUNCTION activities(api.leads); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.activities(api.leads) IS 'The activities of a lead, as api.activities shows them to the caller: GET /leads?select=*,activities(*).';

--
-- Name: collaborators; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.collaborators (
    lead_id uuid NOT NULL,
    user_id uuid NOT NULL,
    tenant_id uuid NOT NULL,
    role text NOT NULL,
    added_by uuid,
    added_at timestamp with time zone DEFAULT app.now() NOT NULL,
    CONSTRAINT collaborators_role_known CHECK ((role = ANY (ARRAY['VIEW'::text, 'ASSIST'::text, 'NEGOTIATE'::text])))
);

--
-- Name: TABLE collaborators; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.collaborators IS 'Colleagues working on a lead without owning it: VIEW reads, ASSIST and NEGOTIATE may log activities.';

--
-- Name: COLUMN collaborators.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.collaborators.lead_id IS 'Lead.';

--
-- Name: COLUMN collaborators.user_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.collaborators.user_id IS 'Collaborating user (same tenant, not the owner).';

--
-- Name: COLUMN collaborators.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.collaborators.tenant_id IS 'Tenant.';

--
-- Name: COLUMN collaborators.role; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.collaborators.role IS 'VIEW, ASSIST or NEGOTIATE.';

--
-- Name: COLUMN collaborators.added_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.collaborators.added_by IS 'Who added the collaborator.';

--
-- Name: COLUMN collaborators.added_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.collaborators.added_at IS 'When.';

--
-- Name: collaborators; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.collaborators WITH (security_invoker='true') AS
 SELECT c.lead_id,
    c.user_id,
    c.role,
    c.added_by,
    c.added_at
   FROM app.collaborators c;

--
-- Name: VIEW collaborators; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.collaborators IS 'Collaborators of leads the caller may read in full.';

--
-- Name: COLUMN collaborators.lead_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.collaborators.lead_id IS 'Lead.';

--
-- Name: COLUMN collaborators.user_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.collaborators.user_id IS 'Collaborating user.';

--
-- Name: COLUMN collaborators.role; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.collaborators.role IS 'VIEW, ASSIST or NEGOTIATE.';

--
-- Name: COLUMN collaborators.added_by; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.collaborators.added_by IS 'Who added them.';

--
-- Name: COLUMN collaborators.added_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.collaborators.added_at IS 'When.';

--
-- Name: add_collaborator(uuid, uuid, text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.add_collaborator(lead_id uuid, user_id uuid, role text) RETURNS api.collaborators
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
declare
    v_lead app.leads;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    v_lead := app.lead_for_action(add_collaborator.lead_id);
    perform app.require_owner_or_manager(v_lead);
    perform app.require_live(v_lead);
    if add_collaborator.role is null or add_collaborator.role not in ('VIEW', 'ASSIST', 'NEGOTIATE') then
        perform app.raise_error('FP801', 400, 'role must be VIEW, ASSIST or NEGOTIATE.', 'role');
    end if;
    if not exists (select from api.users as u where u.id = add_collaborator.user_id) then
        perform app.raise_error('FP802', 404, 'The user does not exist.', 'user_id');
    end if;
    if add_collaborator.user_id = v_lead.owner_id then
        perform app.raise_error('FP803', 409, 'The owner cannot also be a collaborator.', 'user_id');
    end if;
    begin
        insert into app.collaborators (lead_id, user_id, tenant_id, role, added_by)
        values (v_lead.id, add_collaborator.user_id, v_lead.tenant_id, add_collaborator.role, app.current_user_id());
    exception when unique_violation then
        perform app.raise_error(
            'FP804', 409, 'The user already collaborates on this lead.', 'user_id',
            'Remove them first to change the role.'
        );
    end;
    perform app_private.audit(
        v_lead.tenant_id, 'lead.collaborator_added', 'collaborator', add_collaborator.user_id, v_lead.id, null,
        jsonb_build_object('user_id', add_collaborator.user_id, 'role', add_collaborator.role)
    );
    return (
        select c from api.collaborators as c
        where c.lead_id = v_lead.id and c.user_id = add_collaborator.user_id
    );
end
$$;

--
-- Name: FUNCTION add_collaborator(lead_id uuid, user_id uuid, role text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.add_collaborator(lead_id uuid, user_id uuid, role text) IS 'Adds a colleague to a lead (owner or manager): VIEW reads, ASSIST and NEGOTIATE also log activities.';

--
-- Name: holds; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.holds (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    assignment_id uuid NOT NULL,
    reason text NOT NULL,
    note text,
    start_at timestamp with time zone NOT NULL,
    end_at timestamp with time zone,
    state text NOT NULL,
    requested_by uuid,
    decided_by uuid,
    decided_at timestamp with time zone,
    decision_note text,
    created_at timestamp with time zone DEFAULT app.now() NOT NULL,
    CONSTRAINT holds_decided_consistent CHECK (((state = 'PENDING'::text) = (decided_at IS NULL))),
    CONSTRAINT holds_decision_note_length CHECK ((char_length(decision_note) <= 2000)),
    CONSTRAINT holds_end_after_start CHECK ((end_at > start_at)),
    CONSTRAINT holds_note_length CHECK ((char_length(note) <= 2000)),
    CONSTRAINT holds_other_needs_note CHECK (((reason <> 'OTHER'::text) OR (char_length(btrim(note)) >= 10))),
    CONSTRAINT holds_reason_known CHECK ((reason = ANY (ARRAY['FFZ_PRICE_APPROVAL'::text, 'FFZ_SAMPLE_DELAY'::text, 'FFZ_SUPPLY_ISSUE'::text, 'CUSTOMER_BLOCKED'::text, 'OTHER'::text]))),
    CONSTRAINT holds_state_known CHECK ((state = ANY (ARRAY['PENDING'::text, 'APPROVED'::text, 'REJECTED'::text])))
);

--
-- Name: TABLE holds; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.holds IS 'Stop-the-clock intervals [start_at, end_at). Approved holds move the deadlines; pending ones wait for a manager; rejected ones never count.';

--
-- Name: COLUMN holds.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.holds.id IS 'Hold id.';

--
-- Name: COLUMN holds.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.holds.tenant_id IS 'Tenant.';

--
-- Name: COLUMN holds.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.holds.lead_id IS 'Lead.';

--
-- Name: COLUMN holds.assignment_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.holds.assignment_id IS 'Protection cycle the hold belongs to.';

--
-- Name: COLUMN holds.reason; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.holds.reason IS 'FFZ_PRICE_APPROVAL, FFZ_SAMPLE_DELAY, FFZ_SUPPLY_ISSUE (FreshFoodz), CUSTOMER_BLOCKED, OTHER.';

--
-- Name: COLUMN holds.note; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.holds.note IS 'Explanation (at least 10 characters for OTHER).';

--
-- Name: COLUMN holds.start_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.holds.start_at IS 'Start (not in the future, at most 30 days back, not before registration).';

--
-- Name: COLUMN holds.end_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.holds.end_at IS 'End (exclusive); null while open.';

--
-- Name: COLUMN holds.state; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.holds.state IS 'PENDING, APPROVED or REJECTED.';

--
-- Name: COLUMN holds.requested_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.holds.requested_by IS 'Who asked for the hold.';

--
-- Name: COLUMN holds.decided_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.holds.decided_by IS 'Who approved or rejected it (the requester for auto-approved holds).';

--
-- Name: COLUMN holds.decided_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.holds.decided_at IS 'When it was decided.';

--
-- Name: COLUMN holds.decision_note; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.holds.decision_note IS 'Note of the decision.';

--
-- Name: COLUMN holds.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.holds.created_at IS 'When it was requested.';

--
-- Name: holds; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.holds WITH (security_invoker='true') AS
 SELECT h.id,
    h.lead_id,
    h.reason,
    h.note,
    h.start_at,
    h.end_at,
    h.state,
    h.requested_by,
    h.decided_by,
    h.decided_at,
    h.decision_note,
    h.created_at
   FROM app.holds h;

--
-- Name: VIEW holds; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.holds IS 'Stop-the-clock holds of leads the caller may read in full.';

--
-- Name: COLUMN holds.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.holds.id IS 'Hold id.';

--
-- Name: COLUMN holds.lead_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.holds.lead_id IS 'Lead.';

--
-- Name: COLUMN holds.reason; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.holds.reason IS 'FFZ_PRICE_APPROVAL, FFZ_SAMPLE_DELAY, FFZ_SUPPLY_ISSUE, CUSTOMER_BLOCKED, OTHER.';

--
-- Name: COLUMN holds.note; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.holds.note IS 'Explanation.';

--
-- Name: COLUMN holds.start_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.holds.start_at IS 'Start.';

--
-- Name: COLUMN holds.end_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.holds.end_at IS 'End (exclusive); null while open.';

--
-- Name: COLUMN holds.state; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.holds.state IS 'PENDING, APPROVED or REJECTED.';

--
-- Name: COLUMN holds.requested_by; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.holds.requested_by IS 'Who asked for it.';

--
-- Name: COLUMN holds.decided_by; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.holds.decided_by IS 'Who decided.';

--
-- Name: COLUMN holds.decided_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.holds.decided_at IS 'When it was decided.';

--
-- Name: COLUMN holds.decision_note; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.holds.decision_note IS 'Note of the decision.';

--
-- Name: COLUMN holds.created_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.holds.created_at IS 'When it was requested.';

--
-- Name: add_hold(uuid, text, timestamp with time zone, timestamp with time zone, text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.add_hold(lead_id uuid, reason text, start_at timestamp with time zone DEFAULT NULL::timestamp with time zone, end_at timestamp with time zone DEFAULT NULL::timestamp with time zone, note text DEFAULT NULL::text) RETURNS api.holds
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
declare
    v_lead app.leads;
    v_config app.protection_configs := app.my_protection_config();
    v_now timestamptz := app.now();
    v_start timestamptz := coalesce(add_hold.start_at, app.now());
    v_state text;
    v_id uuid;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    v_lead := app.lead_for_action(add_hold.lead_id);
    perform app.require_owner_or_manager(v_lead);
    perform app.require_live(v_lead);
    if add_hold.reason is null or add_hold.reason not in (
        'FFZ_PRICE_APPROVAL', 'FFZ_SAMPLE_DELAY', 'FFZ_SUPPLY_ISSUE', 'CUSTOMER_BLOCKED', 'OTHER'
    ) then
        perform app.raise_error(
            'FP511', 400, 'reason is not a hold reason.', 'reason',
            'Use FFZ_PRICE_APPROVAL, FFZ_SAMPLE_DELAY, FFZ_SUPPLY_ISSUE, CUSTOMER_BLOCKED or OTHER.'
        );
    end if;
    if add_hold.reason = 'OTHER' and char_length(btrim(coalesce(add_hold.note, ''))) < 10 then
        perform app.raise_error('FP512', 400, 'A hold for OTHER reasons needs a note of at least 10 characters.', 'note');
    end if;
    if char_length(add_hold.note) > 2000 then
        perform app.raise_error('FP301', 400, 'note must have at most 2000 characters.', 'note');
    end if;
    if v_start > v_now or v_start < v_lead.registered_at or v_start < v_now - interval '30 days' then
        perform app.raise_error(
            'FP513', 422,
            format(
                'start_at must lie between %s and now: not in the future, not before the registration, '
                'at most 30 days back.',
                to_char(greatest(v_lead.registered_at, v_now - interval '30 days'), 'YYYY-MM-DD"T"HH24:MI:SSOF')
            ),
            'start_at'
        );
    end if;
    if add_hold.end_at is not null and add_hold.end_at <= v_start then
        perform app.raise_error('FP514', 400, 'end_at must be after start_at.', 'end_at');
    end if;

    -- An open hold past its cap still blocks new holds until the hourly job closes it; close it now.
    update app.holds as h
    set end_at = h.start_at + make_interval(secs => 86400 * (v_config.hold_max_days ->> h.reason)::integer)
    where
        h.lead_id = v_lead.id and h.state = 'APPROVED' and h.end_at is null
        and h.start_at + make_interval(secs => 86400 * (v_config.hold_max_days ->> h.reason)::integer) <= v_now;

    -- Managers' holds and FreshFoodz-caused holds within the cycle's cap are approved at once; the
    -- rest wait for a manager.
    v_state := case
        when app.current_web_role() = 'sales_manager' then 'APPROVED'
        when app.rep_hold_needs_approval(v_lead, add_hold.reason, v_start, add_hold.end_at) then 'PENDING'
        else 'APPROVED'
    end;
    begin
        insert into app.holds (
            tenant_id, lead_id, assignment_id, reason, note, start_at, end_at, state, requested_by,
            decided_by, decided_at
        )
        values (
            v_lead.tenant_id, v_lead.id, v_lead.assignment_id, add_hold.reason, btrim(add_hold.note), v_start,
            add_hold.end_at, v_state, app.current_user_id(),
            case when v_state = 'APPROVED' then app.current_user_id() end,
            case when v_state = 'APPROVED' then v_now end
        )
        returning id into v_id;
    exception when exclusion_violation then
        perform app.raise_error(
            'FP515', 409, 'The hold overlaps another pending or approved hold of this lead.', 'start_at',
            'End the running hold first.'
        );
    end;
    -- The managers hear of every hold a rep starts: to decide it, or to know the clock stopped.
    if v_state = 'PENDING' then
        perform app_private.notify_roles(
            v_lead.tenant_id, array['sales_manager'], 'HOLD_PENDING', v_lead.id,
            format('Hold wartet auf Entscheidung: %s', v_lead.company_name),
            format('Für %s wurde eine Unterbrechung (%s) beantragt.', v_lead.company_name, add_hold.reason),
            'HOLD_PENDING:' || v_id
        );
    elsif app.current_web_role() = 'sales_rep' then
        perform app_private.notify_roles(
            v_lead.tenant_id, array['sales_manager'], 'HOLD_STARTED', v_lead.id,
            format('Leadschutz angehalten: %s', v_lead.company_name),
            format(
                'Für %s läuft seit dem %s eine Unterbrechung (%s).', v_lead.company_name,
                app.format_german_date(v_start::text, v_config.timezone), add_hold.reason
            ),
            'HOLD_STARTED:' || v_id
        );
    end if;
    perform app_private.audit(
        v_lead.tenant_id, 'lead.hold_added', 'hold', v_id, v_lead.id, null,
        jsonb_build_object(
            'reason', add_hold.reason, 'start_at', v_start, 'end_at', add_hold.end_at, 'state', v_state
        )
    );
    return (select h from api.holds as h where h.id = v_id);
end
$$;

--
-- Name: FUNCTION add_hold(lead_id uuid, reason text, start_at timestamp with time zone, end_at timestamp with time zone, note text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.add_hold(lead_id uuid, reason text, start_at timestamp with time zone, end_at timestamp with time zone, note text) IS 'Stops the clock (owner or manager, lead ACTIVE or GRACE). Managers'' holds are approved at once, and a rep''s FreshFoodz-caused hold while the cycle''s held days stay within lead.protection.hold.maxDaysPerCycle; the rest wait for a manager, who is told of every hold a rep starts. Overlaps are refused (FP515).';

--
-- Name: inbound_mails; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.inbound_mails (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    mailbox text NOT NULL,
    uidvalidity bigint NOT NULL,
    uid bigint NOT NULL,
    message_id text,
    in_reply_to text,
    reference_ids text[] DEFAULT '{}'::text[] NOT NULL,
    from_address text,
    from_name text,
    subject text,
    sent_at timestamp with time zone,
    received_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    body_text text DEFAULT ''::text NOT NULL,
    size_bytes integer NOT NULL,
    truncated boolean DEFAULT false NOT NULL,
    lead_id uuid,
    matched_by text,
    assigned_by uuid,
    category text,
    category_confidence numeric(5,4),
    injection_suspected boolean,
    ai_call_id uuid,
    classified_at timestamp with time zone,
    classification text,
    classification_reason text,
    CONSTRAINT inbound_mails_body_length CHECK ((char_length(body_text) <= 100000)),
    CONSTRAINT inbound_mails_category_confidence_range CHECK (((category_confidence >= (0)::numeric) AND (category_confidence <= (1)::numeric))),
    CONSTRAINT inbound_mails_category_format CHECK ((category ~ '^[A-Z][A-Z_]{1,39}$'::text)),
    CONSTRAINT inbound_mails_classification_known CHECK ((classification = ANY (ARRAY['reaction'::text, 'task'::text]))),
    CONSTRAINT inbound_mails_classification_reason_known CHECK ((classification_reason = ANY (ARRAY['customer_reaction'::text, 'not_a_reaction'::text, 'low_confidence'::text, 'injection_suspected'::text, 'sender_unverified'::text, 'no_owner'::text, 'budget_exhausted'::text, 'ai_not_configured'::text, 'ai_unavailable'::text, 'ai_refused'::text]))),
    CONSTRAINT inbound_mails_classified CHECK (((classified_at IS NULL) = (classification IS NULL))),
    CONSTRAINT inbound_mails_from_address_length CHECK ((char_length(from_address) <= 254)),
    CONSTRAINT inbound_mails_from_name_length CHECK ((char_length(from_name) <= 200)),
    CONSTRAINT inbound_mails_in_reply_to_length CHECK ((char_length(in_reply_to) <= 998)),
    CONSTRAINT inbound_mails_matched CHECK (((lead_id IS NULL) OR (matched_by IS NOT NULL))),
    CONSTRAINT inbound_mails_matched_by_known CHECK ((matched_by = ANY (ARRAY['in_reply_to'::text, 'references'::text, 'sender'::text, 'manager'::text]))),
    CONSTRAINT inbound_mails_message_id_length CHECK ((char_length(message_id) <= 998)),
    CONSTRAINT inbound_mails_references_count CHECK ((cardinality(reference_ids) <= 50)),
    CONSTRAINT inbound_mails_size_range CHECK ((size_bytes >= 0)),
    CONSTRAINT inbound_mails_subject_length CHECK ((char_length(subject) <= 998))
);

--
-- Name: TABLE inbound_mails; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.inbound_mails IS 'Mails fetched from the mailbox over IMAP (job mail.imap): headers, the text body (size-capped, no attachments), and the lead they were matched to. Untrusted text throughout.';

--
-- Name: COLUMN inbound_mails.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.id IS 'Mail id.';

--
-- Name: COLUMN inbound_mails.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.tenant_id IS 'Tenant (of the mailbox).';

--
-- Name: COLUMN inbound_mails.mailbox; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.mailbox IS 'The mailbox it came from.';

--
-- Name: COLUMN inbound_mails.uidvalidity; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.uidvalidity IS 'The folder''s UIDVALIDITY when it was fetched.';

--
-- Name: COLUMN inbound_mails.uid; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.uid IS 'Its IMAP UID.';

--
-- Name: COLUMN inbound_mails.message_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.message_id IS 'Its Message-ID header.';

--
-- Name: COLUMN inbound_mails.in_reply_to; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.in_reply_to IS 'Its In-Reply-To header.';

--
-- Name: COLUMN inbound_mails.reference_ids; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.reference_ids IS 'The Message-IDs of its References header.';

--
-- Name: COLUMN inbound_mails.from_address; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.from_address IS 'Sender address (lower case).';

--
-- Name: COLUMN inbound_mails.from_name; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.from_name IS 'Sender name.';

--
-- Name: COLUMN inbound_mails.subject; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.subject IS 'Subject.';

--
-- Name: COLUMN inbound_mails.sent_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.sent_at IS 'Its Date header.';

--
-- Name: COLUMN inbound_mails.received_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.received_at IS 'When it was stored.';

--
-- Name: COLUMN inbound_mails.body_text; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.body_text IS 'The text body (plain part, else the HTML part as text), at most 100 000 characters.';

--
-- Name: COLUMN inbound_mails.size_bytes; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.size_bytes IS 'Size of the whole message at the server.';

--
-- Name: COLUMN inbound_mails.truncated; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.truncated IS 'Whether the body was cut to the limit.';

--
-- Name: COLUMN inbound_mails.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.lead_id IS 'The lead it belongs to (null: unmatched, for a manager to assign).';

--
-- Name: COLUMN inbound_mails.matched_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.matched_by IS 'in_reply_to, references, sender or manager.';

--
-- Name: COLUMN inbound_mails.assigned_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.assigned_by IS 'The manager who assigned it.';

--
-- Name: COLUMN inbound_mails.category; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.category IS 'The AI''s label (email_categorize), when it answered.';

--
-- Name: COLUMN inbound_mails.category_confidence; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.category_confidence IS 'Its calibrated confidence.';

--
-- Name: COLUMN inbound_mails.injection_suspected; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.injection_suspected IS 'Whether the mail looked like instructions to the model (the model''s or the router''s own verdict).';

--
-- Name: COLUMN inbound_mails.ai_call_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.ai_call_id IS 'The router call (app.ai_calls.id; no key: calls are purged).';

--
-- Name: COLUMN inbound_mails.classified_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.classified_at IS 'When the outcome was recorded.';

--
-- Name: COLUMN inbound_mails.classification; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.classification IS 'reaction: logged as CUSTOMER_REACTION (progress); task: the owner got a task to confirm.';

--
-- Name: COLUMN inbound_mails.classification_reason; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.inbound_mails.classification_reason IS 'Why: customer_reaction, not_a_reaction, low_confidence, injection_suspected, sender_unverified, no_owner, budget_exhausted, ai_not_configured, ai_unavailable or ai_refused.';

--
-- Name: inbound_mails; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.inbound_mails WITH (security_invoker='true') AS
 SELECT m.id,
    m.lead_id,
    m.matched_by,
    m.from_address,
    m.from_name,
    m.subject,
    m.sent_at,
    m.received_at,
    m.body_text,
    m.truncated,
    m.size_bytes,
    m.assigned_by,
    m.category,
    m.category_confidence,
    m.injection_suspected,
    m.classification,
    m.classification_reason,
    m.classified_at
   FROM app.inbound_mails m;

--
-- Name: VIEW inbound_mails; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.inbound_mails IS 'Mails from customers fetched from the mailbox: managers see all of the tenant''s, matched ones with their lead and unmatched ones (lead_id null) to assign with assign_inbound_mail; reps the ones matched to leads they may read. Text as the sender wrote it: untrusted.';

--
-- Name: COLUMN inbound_mails.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.id IS 'Mail id.';

--
-- Name: COLUMN inbound_mails.lead_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.lead_id IS 'The lead it belongs to; null: not matched yet.';

--
-- Name: COLUMN inbound_mails.matched_by; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.matched_by IS 'in_reply_to, references, sender or manager.';

--
-- Name: COLUMN inbound_mails.from_address; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.from_address IS 'Sender address.';

--
-- Name: COLUMN inbound_mails.from_name; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.from_name IS 'Sender name.';

--
-- Name: COLUMN inbound_mails.subject; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.subject IS 'Subject.';

--
-- Name: COLUMN inbound_mails.sent_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.sent_at IS 'Date header.';

--
-- Name: COLUMN inbound_mails.received_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.received_at IS 'When it was fetched.';

--
-- Name: COLUMN inbound_mails.body_text; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.body_text IS 'Text body, at most 100 000 characters.';

--
-- Name: COLUMN inbound_mails.truncated; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.truncated IS 'Whether the body was cut.';

--
-- Name: COLUMN inbound_mails.size_bytes; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.size_bytes IS 'Size of the whole message.';

--
-- Name: COLUMN inbound_mails.assigned_by; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.assigned_by IS 'The manager who assigned it.';

--
-- Name: COLUMN inbound_mails.category; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.category IS 'The AI''s label (email_categorize), if it answered.';

--
-- Name: COLUMN inbound_mails.category_confidence; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.category_confidence IS 'Its calibrated confidence.';

--
-- Name: COLUMN inbound_mails.injection_suspected; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.injection_suspected IS 'Whether it looked like instructions to the model.';

--
-- Name: COLUMN inbound_mails.classification; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.classification IS 'reaction (logged as CUSTOMER_REACTION, progress), task (the owner confirms), null (not yet, or no owner).';

--
-- Name: COLUMN inbound_mails.classification_reason; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.classification_reason IS 'customer_reaction, not_a_reaction, low_confidence, injection_suspected, budget_exhausted, ai_not_configured, ai_unavailable or ai_refused.';

--
-- Name: COLUMN inbound_mails.classified_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.inbound_mails.classified_at IS 'When it was classified.';

--
-- Name: assign_inbound_mail(uuid, uuid); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.assign_inbound_mail(mail_id uuid, lead_id uuid) RETURNS SETOF api.inbound_mails
    LANGUAGE plpgsql ROWS 1
    AS $$
begin
    perform app.require_role(array['sales_manager']);
    perform app_private.assign_inbound_mail(assign_inbound_mail.mail_id, assign_inbound_mail.lead_id);
    return query select m.* from api.inbound_mails as m where m.id = assign_inbound_mail.mail_id;
end
$$;

--
-- Name: FUNCTION assign_inbound_mail(mail_id uuid, lead_id uuid); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.assign_inbound_mail(mail_id uuid, lead_id uuid) IS 'Assigns an unmatched inbound mail to a lead of the tenant (managers; audited): it is logged as EMAIL_RECEIVED on the lead and classified like a matched one.';

--
-- Name: audit_log; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.audit_log (
    id bigint NOT NULL,
    tenant_id uuid NOT NULL,
    occurred_at timestamp with time zone DEFAULT app.now() NOT NULL,
    actor_id uuid,
    actor_role text,
    action text NOT NULL,
    entity_type text NOT NULL,
    entity_id uuid,
    lead_id uuid,
    before jsonb,
    after jsonb,
    reason text,
    request_id text,
    CONSTRAINT audit_log_action_format CHECK ((action ~ '^[a-z_]+\.[a-z_]+$'::text)),
    CONSTRAINT audit_log_reason_length CHECK ((char_length(reason) <= 2000)),
    CONSTRAINT audit_log_request_id_length CHECK ((char_length(request_id) <= 200))
);

--
-- Name: TABLE audit_log; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.audit_log IS 'Append-only record of every protection decision and settings change. No runtime role may update or delete a row (no privilege, and a trigger refuses it even for the owner).';

--
-- Name: COLUMN audit_log.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.audit_log.id IS 'Monotonic id: the order rows were written.';

--
-- Name: COLUMN audit_log.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.audit_log.tenant_id IS 'Tenant the entry belongs to.';

--
-- Name: COLUMN audit_log.occurred_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.audit_log.occurred_at IS 'When the change happened (app.now()).';

--
-- Name: COLUMN audit_log.actor_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.audit_log.actor_id IS 'The user who acted; null when the system (a job) acted.';

--
-- Name: COLUMN audit_log.actor_role; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.audit_log.actor_role IS 'The actor''s web role at the time, or null for the system.';

--
-- Name: COLUMN audit_log.action; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.audit_log.action IS 'What happened, e.g. lead.registered, lead.hold_added, settings.changed.';

--
-- Name: COLUMN audit_log.entity_type; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.audit_log.entity_type IS 'Kind of entity changed: lead, hold, extension_request, setting, ...';

--
-- Name: COLUMN audit_log.entity_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.audit_log.entity_id IS 'Id of the entity changed (null for settings).';

--
-- Name: COLUMN audit_log.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.audit_log.lead_id IS 'The lead concerned, for visibility (a rep sees entries of leads they read).';

--
-- Name: COLUMN audit_log.before; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.audit_log.before IS 'State before the change (JSON), or null.';

--
-- Name: COLUMN audit_log.after; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.audit_log.after IS 'State after the change (JSON), or null.';

--
-- Name: COLUMN audit_log.reason; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.audit_log.reason IS 'Reason given by the actor, where the action requires one.';

--
-- Name: COLUMN audit_log.request_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.audit_log.request_id IS 'X-Request-Id of the HTTP request that caused it, when known.';

--
-- Name: audit_log; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.audit_log WITH (security_invoker='true') AS
 SELECT a.id,
    a.occurred_at,
    a.actor_id,
    a.actor_role,
    a.action,
    a.entity_type,
    a.entity_id,
    a.lead_id,
    a.before,
    a.after,
    a.reason,
    a.request_id
   FROM app.audit_log a;

--
-- Name: VIEW audit_log; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.audit_log IS 'Audit entries: the whole tenant for managers, auditors and admins; a rep''s readable leads.';

--
-- Name: COLUMN audit_log.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.audit_log.id IS 'Entry id (write order).';

--
-- Name: COLUMN audit_log.occurred_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.audit_log.occurred_at IS 'When.';

--
-- Name: COLUMN audit_log.actor_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.audit_log.actor_id IS 'Who acted (null: the system).';

--
-- Name: COLUMN audit_log.actor_role; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.audit_log.actor_role IS 'Their role then.';

--
-- Name: COLUMN audit_log.action; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.audit_log.action IS 'What happened.';

--
-- Name: COLUMN audit_log.entity_type; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.audit_log.entity_type IS 'Kind of entity.';

--
-- Name: COLUMN audit_log.entity_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.audit_log.entity_id IS 'Entity id.';

--
-- Name: COLUMN audit_log.lead_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.audit_log.lead_id IS 'Lead concerned.';

--
-- Name: COLUMN audit_log.before; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.audit_log.before IS 'State before.';

--
-- Name: COLUMN audit_log.after; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.audit_log.after IS 'State after.';

--
-- Name: COLUMN audit_log.reason; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.audit_log.reason IS 'Reason given.';

--
-- Name: COLUMN audit_log.request_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.audit_log.request_id IS 'Request id of the HTTP call.';

--
-- Name: audit_log(api.leads); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.audit_log(api.leads) RETURNS SETOF api.audit_log
    LANGUAGE sql STABLE
    AS $_$
    select c.* from api.audit_log as c where c.lead_id = $1.id
$_$;

--
-- Name: FUNCTION audit_log(api.leads); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.audit_log(api.leads) IS 'The audit entries about a lead (itself and everything done on it, by audit_log.lead_id), as api.audit_log shows them to the caller: GET /leads?select=*,audit_log(*).';

--
-- Name: lead_protection; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.lead_protection WITH (security_invoker='true') AS
 SELECT o.id AS lead_id,
    o.owner_id,
    o.status,
    o.clock_stopped,
    o.registered_at,
    o.last_progress_at,
    o.progress_due_at,
    o.warning_at,
    o.grace_until,
    o.term_end_at,
    o.expires_at,
    o.override_until,
    o.held_days
   FROM app.lead_overview o;

--
-- Name: VIEW lead_protection; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.lead_protection IS 'Protection of each visible lead now: status, deadlines, stop-the-clock. Owner and deadlines are null for pool leads.';

--
-- Name: COLUMN lead_protection.lead_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_protection.lead_id IS 'Lead id.';

--
-- Name: COLUMN lead_protection.owner_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_protection.owner_id IS 'Owner; null in the pool.';

--
-- Name: COLUMN lead_protection.status; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_protection.status IS 'UNASSIGNED, ACTIVE, GRACE or EXPIRED.';

--
-- Name: COLUMN lead_protection.clock_stopped; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_protection.clock_stopped IS 'An approved hold stops the clock right now.';

--
-- Name: COLUMN lead_protection.registered_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_protection.registered_at IS 'Start of protection.';

--
-- Name: COLUMN lead_protection.last_progress_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_protection.last_progress_at IS 'Latest qualifying activity, or registration.';

--
-- Name: COLUMN lead_protection.progress_due_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_protection.progress_due_at IS 'New progress due by then (GRACE after).';

--
-- Name: COLUMN lead_protection.warning_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_protection.warning_at IS 'When the owner is warned.';

--
-- Name: COLUMN lead_protection.grace_until; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_protection.grace_until IS 'End of the grace period.';

--
-- Name: COLUMN lead_protection.term_end_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_protection.term_end_at IS 'End of the term (base months + holds + extensions).';

--
-- Name: COLUMN lead_protection.expires_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_protection.expires_at IS 'When protection ends unless progress is shown.';

--
-- Name: COLUMN lead_protection.override_until; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_protection.override_until IS 'Manager override: protected at least until then.';

--
-- Name: COLUMN lead_protection.held_days; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_protection.held_days IS 'Days the clock stood still in this cycle.';

--
-- Name: backdate_registration(uuid, timestamp with time zone, text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.backdate_registration(lead_id uuid, registered_at timestamp with time zone, reason text) RETURNS api.lead_protection
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
begin
    perform app.require_role(array['sales_manager']);
    perform app_private.backdate_lead(
        backdate_registration.lead_id, backdate_registration.registered_at,
        app.check_text(backdate_registration.reason, 'reason', 10, 2000)
    );
    return (select p from api.lead_protection as p where p.lead_id = backdate_registration.lead_id);
end
$$;

--
-- Name: FUNCTION backdate_registration(lead_id uuid, registered_at timestamp with time zone, reason text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.backdate_registration(lead_id uuid, registered_at timestamp with time zone, reason text) IS 'Moves the registration of the current cycle earlier (managers; at most 365 days before the lead was created).';

--
-- Name: sales_order_number_seq; Type: SEQUENCE; Schema: app; Owner: -
--

CREATE SEQUENCE app.sales_order_number_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: SEQUENCE sales_order_number_seq; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON SEQUENCE app.sales_order_number_seq IS 'Our sales order numbers (FP-000001, ...).';

--
-- Name: sales_orders; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.sales_orders (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    number text DEFAULT ('FP-'::text || to_char(nextval('app.sales_order_number_seq'::regclass), 'FM000000'::text)) NOT NULL,
    state text DEFAULT 'PENDING'::text NOT NULL,
    xentral_customer_id text NOT NULL,
    items jsonb NOT NULL,
    note text,
    created_by uuid,
    created_at timestamp with time zone DEFAULT app.now() NOT NULL,
    submission_started_at timestamp with time zone,
    submitted_at timestamp with time zone,
    xentral_id text,
    last_error text,
    CONSTRAINT sales_orders_items_array CHECK (((jsonb_typeof(items) = 'array'::text) AND ((jsonb_array_length(items) >= 1) AND (jsonb_array_length(items) <= 100)))),
    CONSTRAINT sales_orders_last_error_length CHECK ((char_length(last_error) <= 2000)),
    CONSTRAINT sales_orders_note_length CHECK ((char_length(note) <= 2000)),
    CONSTRAINT sales_orders_state_known CHECK ((state = ANY (ARRAY['PENDING'::text, 'SUBMITTED'::text, 'FAILED'::text, 'CANCELLED'::text]))),
    CONSTRAINT sales_orders_submitted_consistent CHECK ((((state = 'SUBMITTED'::text) = (submitted_at IS NOT NULL)) AND ((state = 'SUBMITTED'::text) = (xentral_id IS NOT NULL)))),
    CONSTRAINT sales_orders_xentral_customer_id_format CHECK ((xentral_customer_id ~ '^[0-9]{1,20}$'::text)),
    CONSTRAINT sales_orders_xentral_id_format CHECK ((xentral_id ~ '^[0-9]{1,20}$'::text))
);

--
-- Name: TABLE sales_orders; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.sales_orders IS 'Orders placed for a lead, submitted to Xentral by job xentral.order with number as externalOrderNumber.';

--
-- Name: COLUMN sales_orders.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sales_orders.id IS 'Order id.';

--
-- Name: COLUMN sales_orders.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sales_orders.tenant_id IS 'Tenant.';

--
-- Name: COLUMN sales_orders.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sales_orders.lead_id IS 'Lead the order is for.';

--
-- Name: COLUMN sales_orders.number; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sales_orders.number IS 'Our order number, sent to Xentral as externalOrderNumber.';

--
-- Name: COLUMN sales_orders.state; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sales_orders.state IS 'PENDING (queued or retrying), SUBMITTED (Xentral has it), FAILED (Xentral refused it), CANCELLED.';

--
-- Name: COLUMN sales_orders.xentral_customer_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sales_orders.xentral_customer_id IS 'The Xentral customer, copied from the lead at creation.';

--
-- Name: COLUMN sales_orders.items; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sales_orders.items IS 'Positions as ordered: [{"sku", "qty", "name", "xentral_id", "net_price", "currency"}] (prices of that moment).';

--
-- Name: COLUMN sales_orders.note; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sales_orders.note IS 'Comment sent with the order.';

--
-- Name: COLUMN sales_orders.created_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sales_orders.created_by IS 'Who placed it.';

--
-- Name: COLUMN sales_orders.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sales_orders.created_at IS 'When it was placed.';

--
-- Name: COLUMN sales_orders.submission_started_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sales_orders.submission_started_at IS 'When the worker first sent it to Xentral: every later attempt looks it up first, so Xentral never holds two.';

--
-- Name: COLUMN sales_orders.submitted_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sales_orders.submitted_at IS 'When Xentral confirmed it.';

--
-- Name: COLUMN sales_orders.xentral_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sales_orders.xentral_id IS 'Xentral''s sales order id (from Location).';

--
-- Name: COLUMN sales_orders.last_error; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sales_orders.last_error IS 'Xentral''s refusal, or the last temporary error.';

--
-- Name: sales_orders; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.sales_orders WITH (security_invoker='true') AS
 SELECT o.id,
    o.lead_id,
    o.number,
    o.state,
    o.xentral_id,
    o.items,
    o.note,
    o.created_by,
    o.created_at,
    o.submitted_at,
    o.last_error
   FROM app.sales_orders o;

--
-- Name: VIEW sales_orders; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.sales_orders IS 'Sales orders of the leads the caller may read (reps: own and collaborating; others: the tenant).';

--
-- Name: COLUMN sales_orders.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sales_orders.id IS 'Order id.';

--
-- Name: COLUMN sales_orders.lead_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sales_orders.lead_id IS 'Lead.';

--
-- Name: COLUMN sales_orders.number; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sales_orders.number IS 'Our order number (externalOrderNumber in Xentral).';

--
-- Name: COLUMN sales_orders.state; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sales_orders.state IS 'PENDING, SUBMITTED, FAILED (refused by Xentral; see last_error) or CANCELLED.';

--
-- Name: COLUMN sales_orders.xentral_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sales_orders.xentral_id IS 'Xentral''s sales order id once SUBMITTED.';

--
-- Name: COLUMN sales_orders.items; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sales_orders.items IS 'Positions: [{"sku", "qty", "name", "xentral_id", "net_price", "currency"}], prices as of the order.';

--
-- Name: COLUMN sales_orders.note; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sales_orders.note IS 'Comment sent with the order.';

--
-- Name: COLUMN sales_orders.created_by; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sales_orders.created_by IS 'Who placed it.';

--
-- Name: COLUMN sales_orders.created_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sales_orders.created_at IS 'When it was placed.';

--
-- Name: COLUMN sales_orders.submitted_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sales_orders.submitted_at IS 'When Xentral confirmed it.';

--
-- Name: COLUMN sales_orders.last_error; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sales_orders.last_error IS 'Xentral''s refusal, or the last temporary error while PENDING.';

--
-- Name: cancel_sales_order(uuid); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.cancel_sales_order(order_id uuid) RETURNS SETOF api.sales_orders
    LANGUAGE plpgsql ROWS 1
    AS $$
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    perform app_private.cancel_sales_order(cancel_sales_order.order_id);
    return query select o.* from api.sales_orders as o where o.id = cancel_sales_order.order_id;
end
$$;

--
-- Name: FUNCTION cancel_sales_order(order_id uuid); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.cancel_sales_order(order_id uuid) IS 'Cancels a PENDING order that was not sent to Xentral yet (owner or manager; audited). Once sent, it is Xentral''s: cancel it there.';

--
-- Name: claim_lead(uuid); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.claim_lead(lead_id uuid) RETURNS api.lead_protection
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
begin
    perform app.require_role(array['sales_rep']);
    perform app_private.acquire_lead(claim_lead.lead_id, 'CLAIMED');
    return (select p from api.lead_protection as p where p.lead_id = claim_lead.lead_id);
end
$$;

--
-- Name: FUNCTION claim_lead(lead_id uuid); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.claim_lead(lead_id uuid) IS 'Takes a pool lead (unassigned, released, or expired and not yet released) and starts the caller''s protection. Refused during the previous owner''s cooldown (FP307) and beyond the monthly quota (FP308).';

--
-- Name: collaborators(api.leads); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.collaborators(api.leads) RETURNS SETOF api.collaborators
    LANGUAGE sql STABLE
    AS $_$
    select c.* from api.collaborators as c where c.lead_id = $1.id
$_$;

--
-- Name: FUNCTION collaborators(api.leads); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.collaborators(api.leads) IS 'The collaborators of a lead, as api.collaborators shows them to the caller: GET /leads?select=*,collaborators(*).';

--
-- Name: create_sales_order(uuid, jsonb, text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.create_sales_order(lead_id uuid, items jsonb, note text DEFAULT NULL::text) RETURNS SETOF api.sales_orders
    LANGUAGE plpgsql ROWS 1
    AS $$
declare
    v_lead app.leads := app.lead_for_sample_write(create_sales_order.lead_id);
    v_id uuid;
begin
    v_id := app_private.place_sales_order(v_lead.id, create_sales_order.items, create_sales_order.note);
    return query select o.* from api.sales_orders as o where o.id = v_id;
end
$$;

--
-- Name: FUNCTION create_sales_order(lead_id uuid, items jsonb, note text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.create_sales_order(lead_id uuid, items jsonb, note text) IS 'Places a sales order for a lead linked to a Xentral customer (owner of an ACTIVE/GRACE lead, or a manager). items: [{"sku", "qty"}] of active Xentral products (each once, qty 1 to 100000). Queued for Xentral at once (job xentral.order); api.sales_orders shows how it went.';

--
-- Name: products; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.products (
    tenant_id uuid NOT NULL,
    sku text NOT NULL,
    name text NOT NULL,
    unit text NOT NULL,
    active boolean DEFAULT true NOT NULL,
    updated_at timestamp with time zone DEFAULT app.now() NOT NULL,
    xentral_id text,
    net_price numeric(14,4),
    currency text,
    synced_at timestamp with time zone,
    CONSTRAINT products_currency_format CHECK ((currency ~ '^[A-Z]{3}$'::text)),
    CONSTRAINT products_name_length CHECK (((char_length(name) >= 1) AND (char_length(name) <= 200))),
    CONSTRAINT products_net_price_not_negative CHECK ((net_price >= (0)::numeric)),
    CONSTRAINT products_price_has_currency CHECK (((net_price IS NULL) = (currency IS NULL))),
    CONSTRAINT products_sku_format CHECK ((sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'::text)),
    CONSTRAINT products_unit_length CHECK (((char_length(unit) >= 1) AND (char_length(unit) <= 30))),
    CONSTRAINT products_xentral_id_format CHECK ((xentral_id ~ '^[0-9]{1,20}$'::text))
);

--
-- Name: TABLE products; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.products IS 'Products a tenant sells: synced from Xentral (job xentral.products) where it is configured; never deleted, only inactive.';

--
-- Name: COLUMN products.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.products.tenant_id IS 'Tenant.';

--
-- Name: COLUMN products.sku; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.products.sku IS 'Article number.';

--
-- Name: COLUMN products.name; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.products.name IS 'Product name.';

--
-- Name: COLUMN products.unit; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.products.unit IS 'Sales unit, e.g. "Karton 6 x 1 kg".';

--
-- Name: COLUMN products.active; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.products.active IS 'False when no longer sold.';

--
-- Name: COLUMN products.updated_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.products.updated_at IS 'Last change.';

--
-- Name: COLUMN products.xentral_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.products.xentral_id IS 'Xentral''s product id (null: not from Xentral).';

--
-- Name: COLUMN products.net_price; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.products.net_price IS 'Net sales price from Xentral.';

--
-- Name: COLUMN products.currency; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.products.currency IS 'Currency of the price (ISO 4217).';

--
-- Name: COLUMN products.synced_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.products.synced_at IS 'When a sync last changed the row.';

--
-- Name: sample_box_items; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.sample_box_items (
    box_id uuid NOT NULL,
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    sku text NOT NULL,
    qty integer NOT NULL,
    CONSTRAINT sample_box_items_qty_range CHECK (((qty >= 1) AND (qty <= 1000)))
);

--
-- Name: TABLE sample_box_items; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.sample_box_items IS 'The products in a sample box (each product once).';

--
-- Name: COLUMN sample_box_items.box_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sample_box_items.box_id IS 'Box.';

--
-- Name: COLUMN sample_box_items.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sample_box_items.tenant_id IS 'Tenant.';

--
-- Name: COLUMN sample_box_items.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sample_box_items.lead_id IS 'Lead of the box (for row-level security).';

--
-- Name: COLUMN sample_box_items.sku; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sample_box_items.sku IS 'Article number (app.products of the tenant).';

--
-- Name: COLUMN sample_box_items.qty; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sample_box_items.qty IS 'Number of sales units, 1 to 1000.';

--
-- Name: sample_boxes; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.sample_boxes (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    configured_by uuid,
    configured_at timestamp with time zone DEFAULT app.now() NOT NULL,
    notes text,
    CONSTRAINT sample_boxes_notes_length CHECK ((char_length(notes) <= 2000))
);

--
-- Name: TABLE sample_boxes; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.sample_boxes IS 'A box of product samples put together for a lead.';

--
-- Name: COLUMN sample_boxes.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sample_boxes.id IS 'Box id.';

--
-- Name: COLUMN sample_boxes.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sample_boxes.tenant_id IS 'Tenant.';

--
-- Name: COLUMN sample_boxes.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sample_boxes.lead_id IS 'Lead the box is for.';

--
-- Name: COLUMN sample_boxes.configured_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sample_boxes.configured_by IS 'Who put it together.';

--
-- Name: COLUMN sample_boxes.configured_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sample_boxes.configured_at IS 'When.';

--
-- Name: COLUMN sample_boxes.notes; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.sample_boxes.notes IS 'Free text (delivery, special wishes).';

--
-- Name: sample_boxes; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.sample_boxes WITH (security_invoker='true') AS
 SELECT b.id,
    b.lead_id,
    b.configured_by,
    b.configured_at,
    b.notes,
    COALESCE(i.items, '[]'::jsonb) AS items
   FROM (app.sample_boxes b
     LEFT JOIN LATERAL ( SELECT jsonb_agg(jsonb_build_object('sku', si.sku, 'name', p.name, 'unit', p.unit, 'qty', si.qty) ORDER BY si.sku) AS items
           FROM (app.sample_box_items si
             JOIN app.products p ON (((si.tenant_id = p.tenant_id) AND (si.sku = p.sku))))
          WHERE (si.box_id = b.id)) i ON (true));

--
-- Name: VIEW sample_boxes; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.sample_boxes IS 'Sample boxes of leads the caller may read in full.';

--
-- Name: COLUMN sample_boxes.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sample_boxes.id IS 'Box id.';

--
-- Name: COLUMN sample_boxes.lead_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sample_boxes.lead_id IS 'Lead.';

--
-- Name: COLUMN sample_boxes.configured_by; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sample_boxes.configured_by IS 'Who put it together.';

--
-- Name: COLUMN sample_boxes.configured_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sample_boxes.configured_at IS 'When.';

--
-- Name: COLUMN sample_boxes.notes; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sample_boxes.notes IS 'Free text.';

--
-- Name: COLUMN sample_boxes.items; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.sample_boxes.items IS 'Products: [{sku, name, unit, qty}], by SKU.';

--
-- Name: create_sample_box(uuid, jsonb, text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.create_sample_box(lead_id uuid, items jsonb, notes text DEFAULT NULL::text) RETURNS api.sample_boxes
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
declare
    v_lead app.leads := app.lead_for_sample_write(create_sample_box.lead_id);
    v_box_id uuid := gen_random_uuid();
    v_item record;
    v_field text;
begin
    if create_sample_box.items is null or jsonb_typeof(create_sample_box.items) <> 'array'
        or jsonb_array_length(create_sample_box.items) = 0 then
        perform app.raise_error(
            'FP901', 400, 'items must be a non-empty array of {"sku", "qty"} objects.', 'items'
        );
    end if;
    if jsonb_array_length(create_sample_box.items) > 50 then
        perform app.raise_error('FP901', 400, 'A sample box holds at most 50 products.', 'items');
    end if;
    if char_length(create_sample_box.notes) > 2000 then
        perform app.raise_error('FP301', 400, 'notes must have at most 2000 characters.', 'notes');
    end if;
    for v_item in
        select e.value, e.ordinality - 1 as i from jsonb_array_elements(create_sample_box.items) with ordinality as e
    loop
        v_field := format('items[%s]', v_item.i);
        if jsonb_typeof(v_item.value) <> 'object' or exists (
            select from jsonb_object_keys(v_item.value) as k where k not in ('sku', 'qty')
        ) then
            perform app.raise_error('FP901', 400, v_field || ' must be an object with sku and qty only.', v_field);
        end if;
        if jsonb_typeof(v_item.value -> 'sku') is distinct from 'string' then
            perform app.raise_error('FP901', 400, v_field || '.sku must be a text.', v_field || '.sku');
        end if;
        if jsonb_typeof(v_item.value -> 'qty') is distinct from 'number'
            or (v_item.value ->> 'qty')::numeric not between 1 and 1000
            or (v_item.value ->> 'qty')::numeric <> trunc((v_item.value ->> 'qty')::numeric) then
            perform app.raise_error(
                'FP901', 400, v_field || '.qty must be a whole number from 1 to 1000.', v_field || '.qty'
            );
        end if;
        if not exists (
            select from app.products as p
            where p.tenant_id = v_lead.tenant_id and p.sku = v_item.value ->> 'sku' and p.active
        ) then
            perform app.raise_error(
                'FP902', 400, format('%s is not an active product of your tenant.', v_item.value ->> 'sku'),
                v_field || '.sku', 'See api.products.'
            );
        end if;
        if exists (
            select from jsonb_array_elements(create_sample_box.items) with ordinality as o
            where o.value ->> 'sku' = v_item.value ->> 'sku' and o.ordinality - 1 < v_item.i
        ) then
            perform app.raise_error(
                'FP901', 400, format('%s is listed twice.', v_item.value ->> 'sku'), v_field || '.sku'
            );
        end if;
    end loop;

    insert into app.sample_boxes (id, tenant_id, lead_id, configured_by, notes)
    values (v_box_id, v_lead.tenant_id, v_lead.id, app.current_user_id(), nullif(btrim(create_sample_box.notes), ''));
    insert into app.sample_box_items (box_id, tenant_id, lead_id, sku, qty)
    select v_box_id, v_lead.tenant_id, v_lead.id, e.value ->> 'sku', (e.value ->> 'qty')::integer
    from jsonb_array_elements(create_sample_box.items) as e;
    perform app_private.audit(
        v_lead.tenant_id, 'sample_box.created', 'sample_box', v_box_id, v_lead.id, null,
        jsonb_build_object('items', create_sample_box.items, 'notes', create_sample_box.notes)
    );
    return (select b from api.sample_boxes as b where b.id = v_box_id);
end
$$;

--
-- Name: FUNCTION create_sample_box(lead_id uuid, items jsonb, notes text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.create_sample_box(lead_id uuid, items jsonb, notes text) IS 'Puts together a sample box for a lead (owner of an ACTIVE/GRACE lead, or a manager). items: [{"sku": "CF-1001", "qty": 2}, ...], 1 to 50 active products of the tenant, each once.';

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
    CONSTRAINT users_display_name_one_line CHECK ((display_name !~ '[\x01-\x1f\x7f-\x9f\u2028\u2029]'::text)),
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
    if v_name ~ '[\x01-\x1f\x7f-\x9f\u2028\u2029]' then
        perform app.raise_error(
            'FP112', 400, 'The display name must be one line without control characters.', 'display_name'
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
-- Name: extension_requests; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.extension_requests (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    assignment_id uuid NOT NULL,
    days integer NOT NULL,
    reason text NOT NULL,
    state text DEFAULT 'PENDING'::text NOT NULL,
    requested_by uuid,
    requested_at timestamp with time zone DEFAULT app.now() NOT NULL,
    due_at timestamp with time zone NOT NULL,
    decided_by uuid,
    decided_at timestamp with time zone,
    decision_note text,
    escalated_at timestamp with time zone,
    CONSTRAINT extension_requests_days_range CHECK (((days >= 1) AND (days <= 90))),
    CONSTRAINT extension_requests_decided_consistent CHECK (((state = 'PENDING'::text) = (decided_at IS NULL))),
    CONSTRAINT extension_requests_decision_note_length CHECK ((char_length(decision_note) <= 2000)),
    CONSTRAINT extension_requests_reason_length CHECK (((char_length(btrim(reason)) >= 10) AND (char_length(btrim(reason)) <= 2000))),
    CONSTRAINT extension_requests_state_known CHECK ((state = ANY (ARRAY['PENDING'::text, 'APPROVED'::text, 'REJECTED'::text])))
);

--
-- Name: TABLE extension_requests; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.extension_requests IS 'An owner''s request for more protection days (mode LEAST); a manager decides within 48 hours.';

--
-- Name: COLUMN extension_requests.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.extension_requests.id IS 'Request id.';

--
-- Name: COLUMN extension_requests.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.extension_requests.tenant_id IS 'Tenant.';

--
-- Name: COLUMN extension_requests.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.extension_requests.lead_id IS 'Lead.';

--
-- Name: COLUMN extension_requests.assignment_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.extension_requests.assignment_id IS 'Protection cycle the days apply to.';

--
-- Name: COLUMN extension_requests.days; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.extension_requests.days IS 'Days requested (1-90).';

--
-- Name: COLUMN extension_requests.reason; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.extension_requests.reason IS 'Why (at least 10 characters).';

--
-- Name: COLUMN extension_requests.state; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.extension_requests.state IS 'PENDING, APPROVED or REJECTED.';

--
-- Name: COLUMN extension_requests.requested_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.extension_requests.requested_by IS 'The owner who asked.';

--
-- Name: COLUMN extension_requests.requested_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.extension_requests.requested_at IS 'When.';

--
-- Name: COLUMN extension_requests.due_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.extension_requests.due_at IS 'Decision due (48 hours after the request); then it escalates.';

--
-- Name: COLUMN extension_requests.decided_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.extension_requests.decided_by IS 'Manager who decided.';

--
-- Name: COLUMN extension_requests.decided_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.extension_requests.decided_at IS 'When it was decided.';

--
-- Name: COLUMN extension_requests.decision_note; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.extension_requests.decision_note IS 'Note of the decision.';

--
-- Name: COLUMN extension_requests.escalated_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.extension_requests.escalated_at IS 'When it was escalated to tenant admins.';

--
-- Name: extension_requests; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.extension_requests WITH (security_invoker='true') AS
 SELECT x.id,
    x.lead_id,
    x.days,
    x.reason,
    x.state,
    x.requested_by,
    x.requested_at,
    x.decided_by,
    x.decided_at,
    x.decision_note,
    x.due_at,
    x.escalated_at
   FROM app.extension_requests x;

--
-- Name: VIEW extension_requests; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.extension_requests IS 'Extension requests of leads the caller may read in full.';

--
-- Name: COLUMN extension_requests.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.extension_requests.id IS 'Request id.';

--
-- Name: COLUMN extension_requests.lead_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.extension_requests.lead_id IS 'Lead.';

--
-- Name: COLUMN extension_requests.days; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.extension_requests.days IS 'Days requested.';

--
-- Name: COLUMN extension_requests.reason; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.extension_requests.reason IS 'Why.';

--
-- Name: COLUMN extension_requests.state; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.extension_requests.state IS 'PENDING, APPROVED or REJECTED.';

--
-- Name: COLUMN extension_requests.requested_by; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.extension_requests.requested_by IS 'Owner who asked.';

--
-- Name: COLUMN extension_requests.requested_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.extension_requests.requested_at IS 'When.';

--
-- Name: COLUMN extension_requests.decided_by; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.extension_requests.decided_by IS 'Manager who decided.';

--
-- Name: COLUMN extension_requests.decided_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.extension_requests.decided_at IS 'When it was decided.';

--
-- Name: COLUMN extension_requests.decision_note; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.extension_requests.decision_note IS 'Note of the decision.';

--
-- Name: COLUMN extension_requests.due_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.extension_requests.due_at IS 'Decision due; escalated to admins after.';

--
-- Name: COLUMN extension_requests.escalated_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.extension_requests.escalated_at IS 'When it was escalated.';

--
-- Name: decide_extension(uuid, boolean, text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.decide_extension(request_id uuid, approve boolean, note text DEFAULT NULL::text) RETURNS api.extension_requests
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
declare
    v_request app.extension_requests;
    v_lead app.leads;
    v_state text := case when decide_extension.approve then 'APPROVED' else 'REJECTED' end;
begin
    perform app.require_role(array['sales_manager']);
    if decide_extension.approve is null then
        perform app.raise_error('FP301', 400, 'approve must be true or false.', 'approve');
    end if;
    if char_length(decide_extension.note) > 2000 then
        perform app.raise_error('FP301', 400, 'note must have at most 2000 characters.', 'note');
    end if;
    select x.* into v_request from app.extension_requests as x where x.id = decide_extension.request_id;
    if v_request.id is null then
        perform app.raise_error('FP604', 404, 'The extension request does not exist.', 'request_id');
    end if;
    v_lead := app.lead_for_action(v_request.lead_id);
    select x.* into v_request from app.extension_requests as x where x.id = decide_extension.request_id;
    if v_request.state <> 'PENDING' then
        perform app.raise_error(
            'FP605', 409, format('The request was already %s.', lower(v_request.state)), 'request_id'
        );
    end if;
    -- deciding cannot revive an expired lead (only a claim or an override can)
    perform app.require_live(v_lead);
    update app.extension_requests as x
    set state = v_state, decided_by = app.current_user_id(), decided_at = app.now(),
        decision_note = decide_extension.note
    where x.id = v_request.id;
    perform app_private.notify(
        v_lead.tenant_id, v_request.requested_by, 'EXTENSION_DECIDED', v_lead.id,
        format('Verlängerung %s: %s', case when decide_extension.approve then 'genehmigt' else 'abgelehnt' end,
            v_lead.company_name),
        coalesce(decide_extension.note, ''), 'EXTENSION_DECIDED:' || v_request.id
    );
    perform app_private.audit(
        v_lead.tenant_id, 'lead.extension_decided', 'extension_request', v_request.id, v_lead.id,
        jsonb_build_object('state', 'PENDING'), jsonb_build_object('state', v_state, 'days', v_request.days),
        decide_extension.note
    );
    return (select x from api.extension_requests as x where x.id = v_request.id);
end
$$;

--
-- Name: FUNCTION decide_extension(request_id uuid, approve boolean, note text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.decide_extension(request_id uuid, approve boolean, note text) IS 'Approves or rejects an extension request (managers); approved days extend term_end_at.';

--
-- Name: decide_hold(uuid, boolean, text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.decide_hold(hold_id uuid, approve boolean, note text DEFAULT NULL::text) RETURNS api.holds
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
declare
    v_hold app.holds;
    v_lead app.leads;
    v_state text := case when decide_hold.approve then 'APPROVED' else 'REJECTED' end;
begin
    perform app.require_role(array['sales_manager']);
    if decide_hold.approve is null then
        perform app.raise_error('FP301', 400, 'approve must be true or false.', 'approve');
    end if;
    if char_length(decide_hold.note) > 2000 then
        perform app.raise_error('FP301', 400, 'note must have at most 2000 characters.', 'note');
    end if;
    v_hold := app.hold_for_action(decide_hold.hold_id);
    v_lead := app.lead_for_action(v_hold.lead_id);
    if v_hold.state <> 'PENDING' then
        perform app.raise_error('FP518', 409, format('The hold was already %s.', lower(v_hold.state)), 'hold_id');
    end if;
    perform app.require_live(v_lead);
    update app.holds as h
    set state = v_state, decided_by = app.current_user_id(), decided_at = app.now(), decision_note = decide_hold.note
    where h.id = v_hold.id;
    perform app_private.notify(
        v_lead.tenant_id, v_hold.requested_by, 'HOLD_DECIDED', v_lead.id,
        format('Hold %s: %s', case when decide_hold.approve then 'genehmigt' else 'abgelehnt' end, v_lead.company_name),
        coalesce(decide_hold.note, ''), 'HOLD_DECIDED:' || v_hold.id
    );
    perform app_private.audit(
        v_lead.tenant_id, 'lead.hold_decided', 'hold', v_hold.id, v_lead.id,
        jsonb_build_object('state', 'PENDING'), jsonb_build_object('state', v_state), decide_hold.note
    );
    return (select h from api.holds as h where h.id = v_hold.id);
end
$$;

--
-- Name: FUNCTION decide_hold(hold_id uuid, approve boolean, note text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.decide_hold(hold_id uuid, approve boolean, note text) IS 'Approves or rejects a pending hold (managers). An approved hold counts from its start_at.';

--
-- Name: end_hold(uuid); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.end_hold(hold_id uuid) RETURNS api.holds
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
declare
    v_hold app.holds;
    v_lead app.leads;
    v_now timestamptz := app.now();
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    v_hold := app.hold_for_action(end_hold.hold_id);
    v_lead := app.lead_for_action(v_hold.lead_id);
    perform app.require_owner_or_manager(v_lead);
    perform app.require_live(v_lead);
    if v_hold.state = 'REJECTED' or (v_hold.end_at is not null and v_hold.end_at <= v_now) then
        perform app.raise_error('FP517', 409, 'The hold has already ended.', 'hold_id');
    end if;
    if v_hold.start_at >= v_now then
        perform app.raise_error('FP517', 409, 'The hold has not started yet, so it cannot end.', 'hold_id');
    end if;
    update app.holds as h set end_at = v_now where h.id = v_hold.id;
    perform app_private.audit(
        v_lead.tenant_id, 'lead.hold_ended', 'hold', v_hold.id, v_lead.id,
        jsonb_build_object('end_at', v_hold.end_at, 'state', v_hold.state),
        jsonb_build_object('end_at', v_now)
    );
    return (select h from api.holds as h where h.id = v_hold.id);
end
$$;

--
-- Name: FUNCTION end_hold(hold_id uuid); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.end_hold(hold_id uuid) IS 'Ends a running hold now (owner or manager): the clock runs again.';

--
-- Name: expire_now(uuid, text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.expire_now(lead_id uuid, reason text) RETURNS api.lead_protection
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
begin
    perform app.require_role(array['sales_manager']);
    perform app_private.expire_lead_now(expire_now.lead_id, app.check_text(expire_now.reason, 'reason', 10, 2000));
    return (select p from api.lead_protection as p where p.lead_id = expire_now.lead_id);
end
$$;

--
-- Name: FUNCTION expire_now(lead_id uuid, reason text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.expire_now(lead_id uuid, reason text) IS 'Ends protection at once and releases the lead to the pool (managers).';

--
-- Name: extension_requests(api.leads); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.extension_requests(api.leads) RETURNS SETOF api.extension_requests
    LANGUAGE sql STABLE
    AS $_$
    select c.* from api.extension_requests as c where c.lead_id = $1.id
$_$;

--
-- Name: FUNCTION extension_requests(api.leads); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.extension_requests(api.leads) IS 'The extension requests of a lead, as api.extension_requests shows them to the caller: GET /leads?select=*,extension_requests(*).';

--
-- Name: find_similar_leads(text, text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.find_similar_leads(company_name text, postal_code text) RETURNS SETOF app.similar_lead
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
declare
    v_name_key text := app.normalize_company_name(find_similar_leads.company_name);
    v_area text := left(app.normalize_postal_code(find_similar_leads.postal_code), 2);
begin
    perform app.require_role(array['sales_rep', 'sales_manager', 'auditor', 'tenant_admin']);
    if coalesce(v_name_key, '') = '' or char_length(find_similar_leads.company_name) > 200 then
        perform app.raise_error('FP301', 400, 'company_name must name a company.', 'company_name');
    end if;
    if coalesce(v_area, '') = '' or char_length(find_similar_leads.postal_code) > 10 then
        perform app.raise_error('FP301', 400, 'postal_code must be a postal code.', 'postal_code');
    end if;
    return query
    select s.id, s.company_name, s.postal_code, s.city, s.similarity, s.status
    from app_private.similar_leads(v_name_key, v_area) as s;
end
$$;

--
-- Name: FUNCTION find_similar_leads(company_name text, postal_code text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.find_similar_leads(company_name text, postal_code text) IS 'Leads with a similar name (trigram similarity >= 0.6) in the same postal area, to warn before registering. Other agents'' protected leads show status PROTECTED and no id.';

--
-- Name: holds(api.leads); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.holds(api.leads) RETURNS SETOF api.holds
    LANGUAGE sql STABLE
    AS $_$
    select c.* from api.holds as c where c.lead_id = $1.id
$_$;

--
-- Name: FUNCTION holds(api.leads); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.holds(api.leads) IS 'The stop-the-clock holds of a lead, as api.holds shows them to the caller: GET /leads?select=*,holds(*).';

--
-- Name: lead_protection(api.leads); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.lead_protection(api.leads) RETURNS SETOF api.lead_protection
    LANGUAGE sql STABLE ROWS 1
    AS $_$
    select p.* from api.lead_protection as p where p.lead_id = $1.id
$_$;

--
-- Name: FUNCTION lead_protection(api.leads); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.lead_protection(api.leads) IS 'The protection of a lead, as api.lead_protection shows it to the caller: GET /leads?select=*,lead_protection(*).';

--
-- Name: leads(api.activities); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.leads(api.activities) RETURNS SETOF api.leads
    LANGUAGE sql STABLE ROWS 1
    AS $_$
    select l.* from api.leads as l where l.id = $1.lead_id
$_$;

--
-- Name: FUNCTION leads(api.activities); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.leads(api.activities) IS 'The lead of an activity, as api.leads shows it to the caller: GET /activities?select=*,leads(company_name).';

--
-- Name: leads(api.audit_log); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.leads(api.audit_log) RETURNS SETOF api.leads
    LANGUAGE sql STABLE ROWS 1
    AS $_$
    select l.* from api.leads as l where l.id = $1.lead_id
$_$;

--
-- Name: FUNCTION leads(api.audit_log); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.leads(api.audit_log) IS 'The lead an audit entry is about (null for entries about no lead, such as settings), as api.leads shows it to the caller: GET /audit_log?select=*,leads(company_name).';

--
-- Name: leads(api.collaborators); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.leads(api.collaborators) RETURNS SETOF api.leads
    LANGUAGE sql STABLE ROWS 1
    AS $_$
    select l.* from api.leads as l where l.id = $1.lead_id
$_$;

--
-- Name: FUNCTION leads(api.collaborators); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.leads(api.collaborators) IS 'The lead a collaborator works on, as api.leads shows it to the caller: GET /collaborators?select=*,leads(company_name).';

--
-- Name: leads(api.extension_requests); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.leads(api.extension_requests) RETURNS SETOF api.leads
    LANGUAGE sql STABLE ROWS 1
    AS $_$
    select l.* from api.leads as l where l.id = $1.lead_id
$_$;

--
-- Name: FUNCTION leads(api.extension_requests); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.leads(api.extension_requests) IS 'The lead of an extension request, as api.leads shows it to the caller: GET /extension_requests?select=*,leads(company_name).';

--
-- Name: leads(api.holds); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.leads(api.holds) RETURNS SETOF api.leads
    LANGUAGE sql STABLE ROWS 1
    AS $_$
    select l.* from api.leads as l where l.id = $1.lead_id
$_$;

--
-- Name: FUNCTION leads(api.holds); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.leads(api.holds) IS 'The lead of a hold, as api.leads shows it to the caller: GET /holds?select=*,leads(company_name).';

--
-- Name: leads(api.lead_protection); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.leads(api.lead_protection) RETURNS SETOF api.leads
    LANGUAGE sql STABLE ROWS 1
    AS $_$
    select l.* from api.leads as l where l.id = $1.lead_id
$_$;

--
-- Name: FUNCTION leads(api.lead_protection); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.leads(api.lead_protection) IS 'The lead of a protection row, as api.leads shows it to the caller: GET /lead_protection?select=*,leads(*).';

--
-- Name: notifications; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.notifications (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    user_id uuid NOT NULL,
    kind text NOT NULL,
    lead_id uuid,
    subject text NOT NULL,
    body text NOT NULL,
    dedupe_key text,
    created_at timestamp with time zone DEFAULT app.now() NOT NULL,
    read_at timestamp with time zone,
    channel text DEFAULT 'INAPP'::text NOT NULL,
    CONSTRAINT notifications_body_length CHECK ((char_length(body) <= 10000)),
    CONSTRAINT notifications_channel_known CHECK ((channel = ANY (ARRAY['INAPP'::text, 'TASK'::text]))),
    CONSTRAINT notifications_dedupe_key_length CHECK ((char_length(dedupe_key) <= 300)),
    CONSTRAINT notifications_kind_format CHECK ((kind ~ '^[A-Z][A-Z_]{1,39}$'::text)),
    CONSTRAINT notifications_subject_length CHECK (((char_length(subject) >= 1) AND (char_length(subject) <= 300)))
);

--
-- Name: TABLE notifications; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.notifications IS 'Notices for users (WARNING, REMINDER, EXPIRED, ESCALATION, HOLD_PENDING, EXTENSION_REQUESTED, ...).';

--
-- Name: COLUMN notifications.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.notifications.id IS 'Notification id.';

--
-- Name: COLUMN notifications.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.notifications.tenant_id IS 'Tenant.';

--
-- Name: COLUMN notifications.user_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.notifications.user_id IS 'Recipient.';

--
-- Name: COLUMN notifications.kind; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.notifications.kind IS 'What it is about.';

--
-- Name: COLUMN notifications.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.notifications.lead_id IS 'Lead concerned, if any.';

--
-- Name: COLUMN notifications.subject; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.notifications.subject IS 'Short subject (German).';

--
-- Name: COLUMN notifications.body; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.notifications.body IS 'Text (German).';

--
-- Name: COLUMN notifications.dedupe_key; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.notifications.dedupe_key IS 'Identifies the event, so the same notice is never created twice for the same recipient.';

--
-- Name: COLUMN notifications.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.notifications.created_at IS 'When.';

--
-- Name: COLUMN notifications.read_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.notifications.read_at IS 'When the recipient marked it read.';

--
-- Name: COLUMN notifications.channel; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.notifications.channel IS 'INAPP: a message in the UI; TASK: a follow-up task for the rep.';

--
-- Name: notifications; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.notifications WITH (security_invoker='true') AS
 SELECT n.id,
    n.user_id,
    n.kind,
    n.lead_id,
    n.created_at,
    n.read_at,
    n.subject,
    n.body,
    n.channel
   FROM app.notifications n;

--
-- Name: VIEW notifications; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.notifications IS 'The caller''s own notifications.';

--
-- Name: COLUMN notifications.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.notifications.id IS 'Notification id.';

--
-- Name: COLUMN notifications.user_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.notifications.user_id IS 'Recipient (the caller).';

--
-- Name: COLUMN notifications.kind; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.notifications.kind IS 'WARNING, REMINDER, EXPIRED, ESCALATION, HOLD_PENDING, ...';

--
-- Name: COLUMN notifications.lead_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.notifications.lead_id IS 'Lead concerned.';

--
-- Name: COLUMN notifications.created_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.notifications.created_at IS 'When.';

--
-- Name: COLUMN notifications.read_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.notifications.read_at IS 'When it was marked read.';

--
-- Name: COLUMN notifications.subject; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.notifications.subject IS 'Subject.';

--
-- Name: COLUMN notifications.body; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.notifications.body IS 'Text.';

--
-- Name: COLUMN notifications.channel; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.notifications.channel IS 'INAPP or TASK.';

--
-- Name: leads(api.notifications); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.leads(api.notifications) RETURNS SETOF api.leads
    LANGUAGE sql STABLE ROWS 1
    AS $_$
    select l.* from api.leads as l where l.id = $1.lead_id
$_$;

--
-- Name: FUNCTION leads(api.notifications); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.leads(api.notifications) IS 'The lead a notification is about (null for none), as api.leads shows it to the caller: GET /notifications?select=*,leads(company_name).';

--
-- Name: feedback_submissions; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.feedback_submissions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    phase_id uuid NOT NULL,
    token_id uuid NOT NULL,
    contact_name text,
    contact_role text,
    comment text,
    submission_key uuid,
    received_at timestamp with time zone DEFAULT app.now() NOT NULL,
    CONSTRAINT feedback_submissions_comment_length CHECK ((char_length(comment) <= 2000)),
    CONSTRAINT feedback_submissions_contact_name_length CHECK (((char_length(contact_name) >= 1) AND (char_length(contact_name) <= 200))),
    CONSTRAINT feedback_submissions_contact_role_known CHECK ((contact_role = ANY (ARRAY['CHEF'::text, 'BUYER'::text, 'GM'::text, 'OTHER'::text])))
);

--
-- Name: TABLE feedback_submissions; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.feedback_submissions IS 'One submission of the public feedback form (its product rows are in product_feedback).';

--
-- Name: COLUMN feedback_submissions.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.feedback_submissions.id IS 'Submission id.';

--
-- Name: COLUMN feedback_submissions.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.feedback_submissions.tenant_id IS 'Tenant.';

--
-- Name: COLUMN feedback_submissions.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.feedback_submissions.lead_id IS 'Lead.';

--
-- Name: COLUMN feedback_submissions.phase_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.feedback_submissions.phase_id IS 'Test phase.';

--
-- Name: COLUMN feedback_submissions.token_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.feedback_submissions.token_id IS 'The feedback link used.';

--
-- Name: COLUMN feedback_submissions.contact_name; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.feedback_submissions.contact_name IS 'Who filled in the form (as they wrote it).';

--
-- Name: COLUMN feedback_submissions.contact_role; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.feedback_submissions.contact_role IS 'CHEF, BUYER, GM or OTHER.';

--
-- Name: COLUMN feedback_submissions.comment; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.feedback_submissions.comment IS 'Overall comment.';

--
-- Name: COLUMN feedback_submissions.submission_key; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.feedback_submissions.submission_key IS 'The form''s one-time key: the same form posted again (reload, double tap) is stored once.';

--
-- Name: COLUMN feedback_submissions.received_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.feedback_submissions.received_at IS 'When it arrived.';

--
-- Name: product_feedback; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.product_feedback (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    phase_id uuid NOT NULL,
    submission_id uuid,
    sku text NOT NULL,
    rating integer NOT NULL,
    comment text,
    would_reorder boolean,
    contact_name text,
    contact_role text,
    source text NOT NULL,
    received_at timestamp with time zone DEFAULT app.now() NOT NULL,
    recorded_by uuid,
    CONSTRAINT product_feedback_comment_length CHECK ((char_length(comment) <= 2000)),
    CONSTRAINT product_feedback_contact_name_length CHECK (((char_length(contact_name) >= 1) AND (char_length(contact_name) <= 200))),
    CONSTRAINT product_feedback_contact_role_known CHECK ((contact_role = ANY (ARRAY['CHEF'::text, 'BUYER'::text, 'GM'::text, 'OTHER'::text]))),
    CONSTRAINT product_feedback_form_has_submission CHECK (((source = 'FORM'::text) = (submission_id IS NOT NULL))),
    CONSTRAINT product_feedback_rating_range CHECK (((rating >= 1) AND (rating <= 5))),
    CONSTRAINT product_feedback_source_known CHECK ((source = ANY (ARRAY['EMAIL'::text, 'FORM'::text, 'PHONE'::text, 'VISIT'::text])))
);

--
-- Name: TABLE product_feedback; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.product_feedback IS 'Customer feedback on one product of a test phase: from the feedback form (FORM) or recorded by the rep.';

--
-- Name: COLUMN product_feedback.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.product_feedback.id IS 'Feedback id.';

--
-- Name: COLUMN product_feedback.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.product_feedback.tenant_id IS 'Tenant.';

--
-- Name: COLUMN product_feedback.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.product_feedback.lead_id IS 'Lead.';

--
-- Name: COLUMN product_feedback.phase_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.product_feedback.phase_id IS 'Test phase.';

--
-- Name: COLUMN product_feedback.submission_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.product_feedback.submission_id IS 'The form submission it came with (source FORM only).';

--
-- Name: COLUMN product_feedback.sku; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.product_feedback.sku IS 'Article number (a product of the phase''s box).';

--
-- Name: COLUMN product_feedback.rating; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.product_feedback.rating IS 'Rating, 1 (poor) to 5 (excellent) stars.';

--
-- Name: COLUMN product_feedback.comment; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.product_feedback.comment IS 'Comment on the product.';

--
-- Name: COLUMN product_feedback.would_reorder; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.product_feedback.would_reorder IS 'Whether the customer would reorder; null: no answer.';

--
-- Name: COLUMN product_feedback.contact_name; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.product_feedback.contact_name IS 'Who gave the feedback.';

--
-- Name: COLUMN product_feedback.contact_role; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.product_feedback.contact_role IS 'CHEF, BUYER, GM or OTHER.';

--
-- Name: COLUMN product_feedback.source; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.product_feedback.source IS 'EMAIL, FORM (the public link), PHONE or VISIT.';

--
-- Name: COLUMN product_feedback.received_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.product_feedback.received_at IS 'When it was given.';

--
-- Name: COLUMN product_feedback.recorded_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.product_feedback.recorded_by IS 'The user who recorded it; null for the form.';

--
-- Name: product_feedback; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.product_feedback WITH (security_invoker='true') AS
 SELECT f.id,
    f.phase_id,
    f.lead_id,
    f.sku,
    f.rating,
    f.comment,
    f.would_reorder,
    f.contact_name,
    f.contact_role,
    f.source,
    f.received_at,
    f.recorded_by,
    f.submission_id,
    s.comment AS submission_comment
   FROM (app.product_feedback f
     LEFT JOIN app.feedback_submissions s ON ((f.submission_id = s.id)));

--
-- Name: VIEW product_feedback; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.product_feedback IS 'Customer feedback per product of test phases, of leads the caller may read in full.';

--
-- Name: COLUMN product_feedback.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.product_feedback.id IS 'Feedback id.';

--
-- Name: COLUMN product_feedback.phase_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.product_feedback.phase_id IS 'Test phase.';

--
-- Name: COLUMN product_feedback.lead_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.product_feedback.lead_id IS 'Lead.';

--
-- Name: COLUMN product_feedback.sku; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.product_feedback.sku IS 'Article number.';

--
-- Name: COLUMN product_feedback.rating; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.product_feedback.rating IS '1 to 5 stars.';

--
-- Name: COLUMN product_feedback.comment; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.product_feedback.comment IS 'Comment on the product.';

--
-- Name: COLUMN product_feedback.would_reorder; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.product_feedback.would_reorder IS 'Would reorder (null: no answer).';

--
-- Name: COLUMN product_feedback.contact_name; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.product_feedback.contact_name IS 'Who gave it.';

--
-- Name: COLUMN product_feedback.contact_role; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.product_feedback.contact_role IS 'CHEF, BUYER, GM or OTHER.';

--
-- Name: COLUMN product_feedback.source; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.product_feedback.source IS 'EMAIL, FORM, PHONE or VISIT.';

--
-- Name: COLUMN product_feedback.received_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.product_feedback.received_at IS 'When it was given.';

--
-- Name: COLUMN product_feedback.recorded_by; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.product_feedback.recorded_by IS 'Who recorded it (null: the form).';

--
-- Name: COLUMN product_feedback.submission_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.product_feedback.submission_id IS 'The form submission (FORM only).';

--
-- Name: COLUMN product_feedback.submission_comment; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.product_feedback.submission_comment IS 'The overall comment of that submission.';

--
-- Name: leads(api.product_feedback); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.leads(api.product_feedback) RETURNS SETOF api.leads
    LANGUAGE sql STABLE ROWS 1
    AS $_$
    select l.* from api.leads as l where l.id = $1.lead_id
$_$;

--
-- Name: FUNCTION leads(api.product_feedback); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.leads(api.product_feedback) IS 'The lead of a feedback row, as api.leads shows it to the caller: GET /product_feedback?select=*,leads(company_name).';

--
-- Name: leads(api.sales_orders); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.leads(api.sales_orders) RETURNS SETOF api.leads
    LANGUAGE sql STABLE ROWS 1
    AS $_$
    select l.* from api.leads as l where l.id = $1.lead_id
$_$;

--
-- Name: FUNCTION leads(api.sales_orders); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.leads(api.sales_orders) IS 'The lead of a sales order, as api.leads shows it to the caller: GET /sales_orders?select=*,leads(company_name).';

--
-- Name: leads(api.sample_boxes); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.leads(api.sample_boxes) RETURNS SETOF api.leads
    LANGUAGE sql STABLE ROWS 1
    AS $_$
    select l.* from api.leads as l where l.id = $1.lead_id
$_$;

--
-- Name: FUNCTION leads(api.sample_boxes); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.leads(api.sample_boxes) IS 'The lead of a sample box, as api.leads shows it to the caller: GET /sample_boxes?select=*,leads(company_name).';

--
-- Name: feedback_link_state(timestamp with time zone, timestamp with time zone, integer, integer, timestamp with time zone); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.feedback_link_state(p_expires_at timestamp with time zone, p_revoked_at timestamp with time zone, p_submissions integer, p_max_submissions integer, p_at timestamp with time zone) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    select case
        when p_expires_at is null then 'NONE'
        when p_revoked_at is not null then 'REVOKED'
        when p_submissions >= p_max_submissions then 'EXHAUSTED'
        when p_at >= p_expires_at then 'EXPIRED'
        else 'ACTIVE'
    end
$$;

--
-- Name: FUNCTION feedback_link_state(p_expires_at timestamp with time zone, p_revoked_at timestamp with time zone, p_submissions integer, p_max_submissions integer, p_at timestamp with time zone); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.feedback_link_state(p_expires_at timestamp with time zone, p_revoked_at timestamp with time zone, p_submissions integer, p_max_submissions integer, p_at timestamp with time zone) IS 'NONE, REVOKED, EXHAUSTED, EXPIRED or ACTIVE: whether a feedback link accepts submissions at a moment.';

--
-- Name: test_phases; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.test_phases (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    box_id uuid NOT NULL,
    stage text NOT NULL,
    start_date date NOT NULL,
    end_date date,
    created_by uuid,
    created_at timestamp with time zone DEFAULT app.now() NOT NULL,
    CONSTRAINT test_phases_dates_ordered CHECK ((end_date >= start_date)),
    CONSTRAINT test_phases_stage_known CHECK ((stage = ANY (ARRAY['SAMPLE'::text, 'TRIAL'::text, 'PRODUCTION_CANDIDATE'::text])))
);

--
-- Name: TABLE test_phases; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.test_phases IS 'A test of a sample box at the customer: sample, trial or production candidate.';

--
-- Name: COLUMN test_phases.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_phases.id IS 'Phase id.';

--
-- Name: COLUMN test_phases.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_phases.tenant_id IS 'Tenant.';

--
-- Name: COLUMN test_phases.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_phases.lead_id IS 'Lead (the box''s).';

--
-- Name: COLUMN test_phases.box_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_phases.box_id IS 'Sample box tested.';

--
-- Name: COLUMN test_phases.stage; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_phases.stage IS 'SAMPLE, TRIAL or PRODUCTION_CANDIDATE.';

--
-- Name: COLUMN test_phases.start_date; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_phases.start_date IS 'First day.';

--
-- Name: COLUMN test_phases.end_date; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_phases.end_date IS 'Last day; null while open-ended.';

--
-- Name: COLUMN test_phases.created_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_phases.created_by IS 'Who started it.';

--
-- Name: COLUMN test_phases.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_phases.created_at IS 'When it was started.';

--
-- Name: feedback_tokens; Type: TABLE; Schema: app_private; Owner: -
--

CREATE TABLE app_private.feedback_tokens (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    phase_id uuid NOT NULL,
    token_hash bytea NOT NULL,
    created_by uuid,
    created_at timestamp with time zone DEFAULT app.now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    revoked_at timestamp with time zone,
    submissions integer DEFAULT 0 NOT NULL,
    max_submissions integer NOT NULL,
    CONSTRAINT feedback_tokens_hash_length CHECK ((octet_length(token_hash) = 32)),
    CONSTRAINT feedback_tokens_max_submissions_range CHECK (((max_submissions >= 1) AND (max_submissions <= 50))),
    CONSTRAINT feedback_tokens_submissions_range CHECK (((submissions >= 0) AND (submissions <= max_submissions)))
);

--
-- Name: TABLE feedback_tokens; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON TABLE app_private.feedback_tokens IS 'Feedback links of test phases: the SHA-256 of the token, its expiry, revocation and submission count.';

--
-- Name: COLUMN feedback_tokens.id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.feedback_tokens.id IS 'Token id (never the token).';

--
-- Name: COLUMN feedback_tokens.tenant_id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.feedback_tokens.tenant_id IS 'Tenant.';

--
-- Name: COLUMN feedback_tokens.lead_id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.feedback_tokens.lead_id IS 'Lead.';

--
-- Name: COLUMN feedback_tokens.phase_id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.feedback_tokens.phase_id IS 'Test phase the link collects feedback for.';

--
-- Name: COLUMN feedback_tokens.token_hash; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.feedback_tokens.token_hash IS 'SHA-256 of the raw token (32 bytes).';

--
-- Name: COLUMN feedback_tokens.created_by; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.feedback_tokens.created_by IS 'Who issued it.';

--
-- Name: COLUMN feedback_tokens.created_at; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.feedback_tokens.created_at IS 'When it was issued.';

--
-- Name: COLUMN feedback_tokens.expires_at; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.feedback_tokens.expires_at IS 'Unusable from then on.';

--
-- Name: COLUMN feedback_tokens.revoked_at; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.feedback_tokens.revoked_at IS 'When it was revoked (or replaced by rotation).';

--
-- Name: COLUMN feedback_tokens.submissions; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.feedback_tokens.submissions IS 'Submissions accepted so far.';

--
-- Name: COLUMN feedback_tokens.max_submissions; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.feedback_tokens.max_submissions IS 'Submissions it accepts in total.';

--
-- Name: test_phases; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.test_phases WITH (security_invoker='true') AS
 SELECT ph.id,
    ph.lead_id,
    ph.box_id,
    ph.stage,
    ph.start_date,
    ph.end_date,
    ph.created_by,
    ph.created_at,
    app.feedback_link_state(t.expires_at, t.revoked_at, t.submissions, t.max_submissions, clock.t) AS feedback_link_state,
    t.created_at AS feedback_link_issued_at,
    t.expires_at AS feedback_link_expires_at,
    t.submissions AS feedback_submissions,
    t.max_submissions AS feedback_max_submissions
   FROM ((app.test_phases ph
     CROSS JOIN ( SELECT app.now() AS t
         LIMIT 1) clock)
     LEFT JOIN LATERAL ( SELECT ft.created_at,
            ft.expires_at,
            ft.revoked_at,
            ft.submissions,
            ft.max_submissions
           FROM app_private.feedback_tokens ft
          WHERE (ft.phase_id = ph.id)
          ORDER BY (ft.revoked_at IS NULL) DESC, ft.created_at DESC, ft.id DESC
         LIMIT 1) t ON (true));

--
-- Name: VIEW test_phases; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.test_phases IS 'Test phases of leads the caller may read in full, with the state of their latest feedback link.';

--
-- Name: COLUMN test_phases.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_phases.id IS 'Phase id.';

--
-- Name: COLUMN test_phases.lead_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_phases.lead_id IS 'Lead.';

--
-- Name: COLUMN test_phases.box_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_phases.box_id IS 'Sample box tested.';

--
-- Name: COLUMN test_phases.stage; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_phases.stage IS 'SAMPLE, TRIAL or PRODUCTION_CANDIDATE.';

--
-- Name: COLUMN test_phases.start_date; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_phases.start_date IS 'First day.';

--
-- Name: COLUMN test_phases.end_date; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_phases.end_date IS 'Last day (null: open-ended).';

--
-- Name: COLUMN test_phases.created_by; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_phases.created_by IS 'Who started it.';

--
-- Name: COLUMN test_phases.created_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_phases.created_at IS 'When.';

--
-- Name: COLUMN test_phases.feedback_link_state; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_phases.feedback_link_state IS 'ACTIVE, EXPIRED, REVOKED, EXHAUSTED, or NONE (no link issued).';

--
-- Name: COLUMN test_phases.feedback_link_issued_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_phases.feedback_link_issued_at IS 'When the current link was issued.';

--
-- Name: COLUMN test_phases.feedback_link_expires_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_phases.feedback_link_expires_at IS 'When the current link expires.';

--
-- Name: COLUMN test_phases.feedback_submissions; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_phases.feedback_submissions IS 'Submissions through the current link.';

--
-- Name: COLUMN test_phases.feedback_max_submissions; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_phases.feedback_max_submissions IS 'Submissions the current link accepts.';

--
-- Name: leads(api.test_phases); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.leads(api.test_phases) RETURNS SETOF api.leads
    LANGUAGE sql STABLE ROWS 1
    AS $_$
    select l.* from api.leads as l where l.id = $1.lead_id
$_$;

--
-- Name: FUNCTION leads(api.test_phases); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.leads(api.test_phases) IS 'The lead of a test phase, as api.leads shows it to the caller: GET /test_phases?select=*,leads(company_name).';

--
-- Name: test_results; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.test_results (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    phase_id uuid NOT NULL,
    sku text NOT NULL,
    outcome text NOT NULL,
    sell_through numeric(5,2),
    waste_delta numeric(5,2),
    notes text,
    recorded_by uuid,
    recorded_at timestamp with time zone DEFAULT app.now() NOT NULL,
    CONSTRAINT test_results_notes_length CHECK ((char_length(notes) <= 2000)),
    CONSTRAINT test_results_outcome_known CHECK ((outcome = ANY (ARRAY['SUCCESS'::text, 'MIXED'::text, 'FAIL'::text]))),
    CONSTRAINT test_results_sell_through_range CHECK (((sell_through >= (0)::numeric) AND (sell_through <= (100)::numeric))),
    CONSTRAINT test_results_waste_delta_range CHECK (((waste_delta >= ('-100'::integer)::numeric) AND (waste_delta <= (100)::numeric)))
);

--
-- Name: TABLE test_results; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.test_results IS 'The result of a test phase per product (one row per product; recording again replaces it).';

--
-- Name: COLUMN test_results.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_results.id IS 'Result id.';

--
-- Name: COLUMN test_results.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_results.tenant_id IS 'Tenant.';

--
-- Name: COLUMN test_results.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_results.lead_id IS 'Lead.';

--
-- Name: COLUMN test_results.phase_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_results.phase_id IS 'Test phase.';

--
-- Name: COLUMN test_results.sku; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_results.sku IS 'Article number (a product of the phase''s box).';

--
-- Name: COLUMN test_results.outcome; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_results.outcome IS 'SUCCESS, MIXED or FAIL.';

--
-- Name: COLUMN test_results.sell_through; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_results.sell_through IS 'Share sold to guests, in percent (0 to 100).';

--
-- Name: COLUMN test_results.waste_delta; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_results.waste_delta IS 'Change of waste against before, in percentage points (-100 to 100).';

--
-- Name: COLUMN test_results.notes; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_results.notes IS 'Free text.';

--
-- Name: COLUMN test_results.recorded_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_results.recorded_by IS 'Who recorded it.';

--
-- Name: COLUMN test_results.recorded_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.test_results.recorded_at IS 'When it was recorded (last).';

--
-- Name: test_results; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.test_results WITH (security_invoker='true') AS
 SELECT r.id,
    r.phase_id,
    r.lead_id,
    r.sku,
    r.outcome,
    r.sell_through,
    r.waste_delta,
    r.notes,
    r.recorded_by,
    r.recorded_at
   FROM app.test_results r;

--
-- Name: VIEW test_results; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.test_results IS 'Results of test phases per product, of leads the caller may read in full.';

--
-- Name: COLUMN test_results.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_results.id IS 'Result id.';

--
-- Name: COLUMN test_results.phase_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_results.phase_id IS 'Test phase.';

--
-- Name: COLUMN test_results.lead_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_results.lead_id IS 'Lead.';

--
-- Name: COLUMN test_results.sku; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_results.sku IS 'Article number.';

--
-- Name: COLUMN test_results.outcome; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_results.outcome IS 'SUCCESS, MIXED or FAIL.';

--
-- Name: COLUMN test_results.sell_through; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_results.sell_through IS 'Share sold, percent.';

--
-- Name: COLUMN test_results.waste_delta; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_results.waste_delta IS 'Change of waste, percentage points.';

--
-- Name: COLUMN test_results.notes; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_results.notes IS 'Free text.';

--
-- Name: COLUMN test_results.recorded_by; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_results.recorded_by IS 'Who recorded it.';

--
-- Name: COLUMN test_results.recorded_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.test_results.recorded_at IS 'When.';

--
-- Name: leads(api.test_results); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.leads(api.test_results) RETURNS SETOF api.leads
    LANGUAGE sql STABLE ROWS 1
    AS $_$
    select l.* from api.leads as l where l.id = $1.lead_id
$_$;

--
-- Name: FUNCTION leads(api.test_results); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.leads(api.test_results) IS 'The lead of a test result, as api.leads shows it to the caller: GET /test_results?select=*,leads(company_name).';

--
-- Name: link_xentral_customer(uuid, text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.link_xentral_customer(lead_id uuid, xentral_customer_id text) RETURNS SETOF api.leads
    LANGUAGE plpgsql ROWS 1
    AS $$
declare
    v_lead app.leads;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    v_lead := app.lead_for_action(link_xentral_customer.lead_id);  -- 404 for a lead the caller cannot see
    perform app.require_owner_or_manager(v_lead);
    perform app_private.link_xentral_customer(v_lead.id, link_xentral_customer.xentral_customer_id);
    return query select l.* from api.leads as l where l.id = v_lead.id;
end
$$;

--
-- Name: FUNCTION link_xentral_customer(lead_id uuid, xentral_customer_id text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.link_xentral_customer(lead_id uuid, xentral_customer_id text) IS 'Links the lead to a Xentral customer (owner or manager; audited): sales orders of the lead go to it. xentral_customer_id is Xentral''s id, as GET /api/xentral/customers lists it; null removes the link.';

--
-- Name: log_activity(uuid, text, timestamp with time zone, text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.log_activity(lead_id uuid, kind text, occurred_at timestamp with time zone DEFAULT NULL::timestamp with time zone, note text DEFAULT NULL::text) RETURNS api.activities
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
declare
    v_lead app.leads;
    v_at timestamptz := coalesce(log_activity.occurred_at, app.now());
    v_id uuid;
begin
    perform app.require_role(array['sales_rep']);
    v_lead := app.lead_for_action(log_activity.lead_id);
    if not app.rep_can_read(v_lead.id) then
        perform app.raise_error('FP305', 404, 'The lead does not exist.', 'lead_id');
    end if;
    perform app.require_live(v_lead);
    if v_lead.owner_id is distinct from app.current_user_id()
        and app_private.collaborator_role(v_lead.id) is distinct from 'ASSIST'
        and app_private.collaborator_role(v_lead.id) is distinct from 'NEGOTIATE' then
        perform app.raise_error(
            'FP403', 403, 'Only the owner or an assisting collaborator may log activities.', 'lead_id'
        );
    end if;
    if log_activity.kind is null or log_activity.kind = 'SYSTEM' or not exists (
        select from app.activity_kinds as k where k.tenant_id = v_lead.tenant_id and k.kind = log_activity.kind
    ) then
        perform app.raise_error(
            'FP401', 400, 'kind is not an activity kind of your tenant.', 'kind',
            'See api.activity_kinds (SYSTEM is reserved).'
        );
    end if;
    if v_at < v_lead.registered_at or v_at > app.now() + interval '5 minutes' then
        perform app.raise_error(
            'FP402', 422,
            format(
                'occurred_at must lie between the registration (%s) and now.',
                to_char(v_lead.registered_at, 'YYYY-MM-DD"T"HH24:MI:SSOF')
            ),
            'occurred_at'
        );
    end if;
    if char_length(log_activity.note) > 5000 then
        perform app.raise_error('FP301', 400, 'note must have at most 5000 characters.', 'note');
    end if;

    insert into app.activities (tenant_id, lead_id, assignment_id, kind, occurred_at, note, created_by)
    values (
        v_lead.tenant_id, v_lead.id, v_lead.assignment_id, log_activity.kind, v_at, log_activity.note,
        app.current_user_id()
    )
    returning id into v_id;
    perform app_private.audit(
        v_lead.tenant_id, 'lead.activity_logged', 'activity', v_id, v_lead.id, null,
        jsonb_build_object('kind', log_activity.kind, 'occurred_at', v_at)
    );
    return (select a from api.activities as a where a.id = v_id);
end
$$;

--
-- Name: FUNCTION log_activity(lead_id uuid, kind text, occurred_at timestamp with time zone, note text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.log_activity(lead_id uuid, kind text, occurred_at timestamp with time zone, note text) IS 'Logs an activity (owner or ASSIST/NEGOTIATE collaborator, lead ACTIVE or GRACE). A qualifying kind renews protection; occurred_at must lie between registration and now.';

--
-- Name: log_feedback(uuid, text, integer, text, text, boolean, text, text, timestamp with time zone); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.log_feedback(phase_id uuid, sku text, rating integer, comment text DEFAULT NULL::text, source text DEFAULT NULL::text, would_reorder boolean DEFAULT NULL::boolean, contact_name text DEFAULT NULL::text, contact_role text DEFAULT NULL::text, received_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS api.product_feedback
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
declare
    v_phase app.test_phases := app.visible_phase(log_feedback.phase_id);
    v_lead app.leads := app.lead_for_sample_write(v_phase.lead_id);
    v_at timestamptz := coalesce(log_feedback.received_at, app.now());
    v_id uuid;
begin
    perform app.require_box_product(v_phase, log_feedback.sku);
    if log_feedback.source is null or log_feedback.source not in ('EMAIL', 'PHONE', 'VISIT') then
        perform app.raise_error(
            'FP908', 400, 'source must be EMAIL, PHONE or VISIT (FORM is the feedback link''s).', 'source'
        );
    end if;
    if log_feedback.rating is null or log_feedback.rating not between 1 and 5 then
        perform app.raise_error('FP908', 400, 'rating must be a whole number from 1 to 5.', 'rating');
    end if;
    if char_length(log_feedback.comment) > 2000 then
        perform app.raise_error('FP301', 400, 'comment must have at most 2000 characters.', 'comment');
    end if;
    if log_feedback.contact_name is not null then
        perform app.check_text(log_feedback.contact_name, 'contact_name', 1, 200);
    end if;
    if log_feedback.contact_role not in ('CHEF', 'BUYER', 'GM', 'OTHER') then
        perform app.raise_error('FP908', 400, 'contact_role must be CHEF, BUYER, GM or OTHER.', 'contact_role');
    end if;
    if v_at < v_phase.created_at or v_at > app.now() + interval '5 minutes' then
        perform app.raise_error(
            'FP402', 422, 'received_at must lie between the start of the test phase and now.', 'received_at'
        );
    end if;

    insert into app.product_feedback (
        tenant_id, lead_id, phase_id, sku, rating, comment, would_reorder, contact_name, contact_role, source,
        received_at, recorded_by
    )
    values (
        v_lead.tenant_id, v_lead.id, v_phase.id, log_feedback.sku, log_feedback.rating, log_feedback.comment,
        log_feedback.would_reorder, btrim(log_feedback.contact_name), log_feedback.contact_role, log_feedback.source,
        v_at, app.current_user_id()
    )
    returning id into v_id;
    perform app_private.audit(
        v_lead.tenant_id, 'feedback.logged', 'product_feedback', v_id, v_lead.id, null,
        jsonb_build_object(
            'phase_id', v_phase.id, 'sku', log_feedback.sku, 'rating', log_feedback.rating,
            'source', log_feedback.source, 'would_reorder', log_feedback.would_reorder
        )
    );
    return (select f from api.product_feedback as f where f.id = v_id);
end
$$;

--
-- Name: FUNCTION log_feedback(phase_id uuid, sku text, rating integer, comment text, source text, would_reorder boolean, contact_name text, contact_role text, received_at timestamp with time zone); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.log_feedback(phase_id uuid, sku text, rating integer, comment text, source text, would_reorder boolean, contact_name text, contact_role text, received_at timestamp with time zone) IS 'Records customer feedback on one product of a test phase that came by e-mail, phone or visit (source EMAIL, PHONE or VISIT; the feedback link records FORM itself). rating: 1 to 5.';

--
-- Name: mark_notification_read(uuid); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.mark_notification_read(notification_id uuid) RETURNS void
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
begin
    perform app.require_role(array['sales_rep', 'sales_manager', 'auditor', 'tenant_admin']);
    update app.notifications as n
    set read_at = coalesce(n.read_at, app.now())
    where n.id = mark_notification_read.notification_id;
    if not found then
        perform app.raise_error('FP806', 404, 'The notification does not exist.', 'notification_id');
    end if;
end
$$;

--
-- Name: FUNCTION mark_notification_read(notification_id uuid); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.mark_notification_read(notification_id uuid) IS 'Marks one of the caller''s notifications read.';

--
-- Name: notifications(api.leads); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.notifications(api.leads) RETURNS SETOF api.notifications
    LANGUAGE sql STABLE
    AS $_$
    select c.* from api.notifications as c where c.lead_id = $1.id
$_$;

--
-- Name: FUNCTION notifications(api.leads); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.notifications(api.leads) IS 'The caller''s own notifications about a lead, as api.notifications shows them to the caller: GET /leads?select=*,notifications(*).';

--
-- Name: override_protection(uuid, timestamp with time zone, text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.override_protection(lead_id uuid, until timestamp with time zone, reason text) RETURNS api.lead_protection
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
declare
    v_lead app.leads;
    v_reason text;
    v_id uuid;
begin
    perform app.require_role(array['sales_manager']);
    v_reason := app.check_text(override_protection.reason, 'reason', 10, 2000);
    v_lead := app.lead_for_action(override_protection.lead_id);
    if v_lead.owner_id is null then
        perform app.raise_error('FP310', 409, 'The lead is in the pool; assign it with transfer_lead.', 'lead_id');
    end if;
    if override_protection.until is null or override_protection.until <= app.now()
        or override_protection.until > app.now() + interval '2 years' then
        perform app.raise_error('FP703', 400, 'until must lie in the future (at most two years ahead).', 'until');
    end if;
    insert into app.protection_overrides (tenant_id, lead_id, assignment_id, until, reason, created_by)
    values (v_lead.tenant_id, v_lead.id, v_lead.assignment_id, override_protection.until, v_reason, app.current_user_id())
    returning id into v_id;
    perform app_private.audit(
        v_lead.tenant_id, 'lead.override', 'lead', v_lead.id, v_lead.id,
        jsonb_build_object('override_until', v_lead.override_until),
        jsonb_build_object('override_until', override_protection.until), v_reason
    );
    return (select p from api.lead_protection as p where p.lead_id = v_lead.id);
end
$$;

--
-- Name: FUNCTION override_protection(lead_id uuid, until timestamp with time zone, reason text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.override_protection(lead_id uuid, until timestamp with time zone, reason text) IS 'Keeps a lead ACTIVE until `until` whatever its progress (managers; also rescues an expired lead before its release).';

--
-- Name: product_feedback(api.leads); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.product_feedback(api.leads) RETURNS SETOF api.product_feedback
    LANGUAGE sql STABLE
    AS $_$
    select c.* from api.product_feedback as c where c.lead_id = $1.id
$_$;

--
-- Name: FUNCTION product_feedback(api.leads); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.product_feedback(api.leads) IS 'The customer feedback on the products of a lead, as api.product_feedback shows them to the caller: GET /leads?select=*,product_feedback(*).';

--
-- Name: record_test_result(uuid, text, text, numeric, numeric, text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.record_test_result(phase_id uuid, sku text, outcome text, sell_through numeric DEFAULT NULL::numeric, waste_delta numeric DEFAULT NULL::numeric, notes text DEFAULT NULL::text) RETURNS api.test_results
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
declare
    v_phase app.test_phases := app.visible_phase(record_test_result.phase_id);
    v_lead app.leads := app.lead_for_sample_write(v_phase.lead_id);
    v_before app.test_results;
    v_id uuid;
begin
    perform app.require_box_product(v_phase, record_test_result.sku);
    if record_test_result.outcome is null
        or record_test_result.outcome not in ('SUCCESS', 'MIXED', 'FAIL') then
        perform app.raise_error('FP908', 400, 'outcome must be SUCCESS, MIXED or FAIL.', 'outcome');
    end if;
    if record_test_result.sell_through not between 0 and 100 then
        perform app.raise_error('FP908', 400, 'sell_through must be a percentage from 0 to 100.', 'sell_through');
    end if;
    if record_test_result.waste_delta not between -100 and 100 then
        perform app.raise_error(
            'FP908', 400, 'waste_delta must be in percentage points from -100 to 100.', 'waste_delta'
        );
    end if;
    if char_length(record_test_result.notes) > 2000 then
        perform app.raise_error('FP301', 400, 'notes must have at most 2000 characters.', 'notes');
    end if;

    select r.* into v_before from app.test_results as r
    where r.phase_id = v_phase.id and r.sku = record_test_result.sku;
    if v_before.id is null then
        insert into app.test_results (
            tenant_id, lead_id, phase_id, sku, outcome, sell_through, waste_delta, notes, recorded_by
        )
        values (
            v_lead.tenant_id, v_lead.id, v_phase.id, record_test_result.sku, record_test_result.outcome,
            record_test_result.sell_through, record_test_result.waste_delta, record_test_result.notes,
            app.current_user_id()
        )
        returning id into v_id;
    else
        update app.test_results as r
        set
            outcome = record_test_result.outcome,
            sell_through = record_test_result.sell_through,
            waste_delta = record_test_result.waste_delta,
            notes = record_test_result.notes,
            recorded_by = app.current_user_id(),
            recorded_at = app.now()
        where r.id = v_before.id
        returning r.id into v_id;
    end if;
    perform app_private.audit(
        v_lead.tenant_id, 'test_result.recorded', 'test_result', v_id, v_lead.id,
        case when v_before.id is not null then to_jsonb(v_before) - 'tenant_id' end,
        jsonb_build_object(
            'phase_id', v_phase.id, 'sku', record_test_result.sku, 'outcome', record_test_result.outcome,
            'sell_through', record_test_result.sell_through, 'waste_delta', record_test_result.waste_delta,
            'notes', record_test_result.notes
        )
    );
    return (select r from api.test_results as r where r.id = v_id);
end
$$;

--
-- Name: FUNCTION record_test_result(phase_id uuid, sku text, outcome text, sell_through numeric, waste_delta numeric, notes text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.record_test_result(phase_id uuid, sku text, outcome text, sell_through numeric, waste_delta numeric, notes text) IS 'Records the result of a test phase for one product of its box (recording again replaces it): outcome SUCCESS, MIXED or FAIL, sell_through in percent, waste_delta in percentage points.';

--
-- Name: register_lead(text, text, text, text, text, text, text, text, text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.register_lead(company_name text, postal_code text, city text, street text DEFAULT NULL::text, country text DEFAULT 'DE'::text, vat_id text DEFAULT NULL::text, contact_name text DEFAULT NULL::text, contact_email text DEFAULT NULL::text, contact_phone text DEFAULT NULL::text) RETURNS api.leads
    LANGUAGE plpgsql
    AS $_$
#variable_conflict use_column
declare
    v_name text;
    v_postal text;
    v_city text;
    v_vat_key text;
    v_lead_id uuid;
    v_dup record;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    v_name := app.check_line(register_lead.company_name, 'company_name', 2, 200);
    if app.normalize_company_name(v_name) = '' then
        perform app.raise_error(
            'FP301', 400, 'company_name must contain more than a legal form.', 'company_name'
        );
    end if;
    v_postal := btrim(register_lead.postal_code);
    if v_postal is null or v_postal !~ '^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$' then
        perform app.raise_error(
            'FP301', 400, 'postal_code must be a postal code such as 10115.', 'postal_code'
        );
    end if;
    v_city := app.check_line(register_lead.city, 'city', 1, 100);
    if register_lead.country is null or register_lead.country !~ '^[A-Z]{2}$' then
        perform app.raise_error('FP301', 400, 'country must be a two-letter ISO code such as DE.', 'country');
    end if;
    v_vat_key := app.normalize_vat_id(register_lead.vat_id);
    if register_lead.vat_id is not null and (
        char_length(register_lead.vat_id) > 20 or register_lead.vat_id !~ '^[A-Za-z0-9 .-]+$'
        or v_vat_key is null or v_vat_key !~ '^[A-Z]{2}[A-Z0-9]{2,13}$' or v_vat_key !~ '[0-9]'
    ) then
        perform app.raise_error('FP301', 400, 'vat_id must be a VAT id such as DE123456789.', 'vat_id');
    end if;
    if register_lead.street is not null then
        perform app.check_text(register_lead.street, 'street', 1, 200);
    end if;
    if register_lead.contact_name is not null then
        perform app.check_text(register_lead.contact_name, 'contact_name', 1, 200);
    end if;
    if register_lead.contact_email is not null and (
        char_length(register_lead.contact_email) > 254
        or register_lead.contact_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'
    ) then
        perform app.raise_error('FP301', 400, 'contact_email must be an e-mail address.', 'contact_email');
    end if;
    if register_lead.contact_phone is not null and register_lead.contact_phone !~ '^\+?[0-9 ()/.-]{3,40}$' then
        perform app.raise_error(
            'FP301', 400, 'contact_phone must be a phone number such as +49 30 1234567.', 'contact_phone'
        );
    end if;

    begin
        insert into app.leads (tenant_id, company_name, postal_code, city, vat_key, created_by)
        values (app.current_tenant_id(), v_name, v_postal, v_city, v_vat_key, app.current_user_id())
        returning id into v_lead_id;
    exception when unique_violation then
        -- Someone registered this company first (maybe a moment ago, concurrently).
        select d.* into v_dup
        from app_private.duplicate_of(
            app.normalize_company_name(v_name) || '|' || app.normalize_postal_code(v_postal),
            v_vat_key
        ) as d;
        if v_dup.status in ('UNASSIGNED', 'EXPIRED') then
            perform app.raise_error(
                'FP303', 409, 'This company is already in the lead pool: claim it instead of registering it.',
                v_dup.lead_id::text, 'Call claim_lead with this lead id.'
            );
        elsif v_dup.is_mine then
            perform app.raise_error('FP304', 409, 'You already own this lead.', v_dup.lead_id::text);
        end if;
        perform app.raise_error(
            'FP302', 409,
            format('This company is already protected for another agent until %s.', app.format_day(v_dup.expires_at)),
            case when app.current_web_role() = 'sales_manager' then v_dup.lead_id::text end
        );
    end;

    insert into app.lead_details (
        lead_id, tenant_id, street, country, vat_id, contact_name, contact_email, contact_phone
    )
    values (
        v_lead_id, app.current_tenant_id(), btrim(register_lead.street), register_lead.country,
        btrim(register_lead.vat_id), btrim(register_lead.contact_name), btrim(register_lead.contact_email),
        btrim(register_lead.contact_phone)
    );
    perform app_private.acquire_lead(v_lead_id, 'REGISTERED');
    perform app_private.audit(
        app.current_tenant_id(), 'lead.registered', 'lead', v_lead_id, v_lead_id, null,
        jsonb_build_object('company_name', v_name, 'postal_code', v_postal, 'owner_id', app.current_user_id())
    );
    return (select l from api.leads as l where l.id = v_lead_id);
end
$_$;

--
-- Name: FUNCTION register_lead(company_name text, postal_code text, city text, street text, country text, vat_id text, contact_name text, contact_email text, contact_phone text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.register_lead(company_name text, postal_code text, city text, street text, country text, vat_id text, contact_name text, contact_email text, contact_phone text) IS 'Registers a prospect and starts the caller''s protection. A hard duplicate (same normalised name and postal code, or VAT id) is refused with 409: protected (FP302, with the date) or in the pool (FP303, with the lead id to claim).';

--
-- Name: remove_collaborator(uuid, uuid); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.remove_collaborator(lead_id uuid, user_id uuid) RETURNS void
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
declare
    v_lead app.leads;
    v_role text;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    v_lead := app.lead_for_action(remove_collaborator.lead_id);
    perform app.require_owner_or_manager(v_lead);
    perform app.require_live(v_lead);
    delete from app.collaborators as c
    where c.lead_id = v_lead.id and c.user_id = remove_collaborator.user_id
    returning c.role into v_role;
    if v_role is null then
        perform app.raise_error('FP805', 404, 'The user does not collaborate on this lead.', 'user_id');
    end if;
    perform app_private.audit(
        v_lead.tenant_id, 'lead.collaborator_removed', 'collaborator', remove_collaborator.user_id, v_lead.id,
        jsonb_build_object('user_id', remove_collaborator.user_id, 'role', v_role), null
    );
end
$$;

--
-- Name: FUNCTION remove_collaborator(lead_id uuid, user_id uuid); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.remove_collaborator(lead_id uuid, user_id uuid) IS 'Removes a collaborator from a lead (owner or manager).';

--
-- Name: request_extension(uuid, integer, text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.request_extension(lead_id uuid, days integer, reason text) RETURNS api.extension_requests
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
declare
    v_lead app.leads;
    v_reason text;
    v_id uuid;
begin
    perform app.require_role(array['sales_rep']);
    v_lead := app.lead_for_action(request_extension.lead_id);
    perform app.require_owner_or_manager(v_lead);
    perform app.require_live(v_lead);
    if (app.my_protection_config()).mode = 'GREATEST' then
        perform app.raise_error(
            'FP601', 422, 'Extensions are not needed: protection renews itself with every progress.', 'lead_id'
        );
    end if;
    if request_extension.days is null or request_extension.days not between 1 and 90 then
        perform app.raise_error('FP602', 400, 'days must be between 1 and 90.', 'days');
    end if;
    v_reason := app.check_text(request_extension.reason, 'reason', 10, 2000);
    begin
        insert into app.extension_requests (
            tenant_id, lead_id, assignment_id, days, reason, state, requested_by, due_at
        )
        values (
            v_lead.tenant_id, v_lead.id, v_lead.assignment_id, request_extension.days, v_reason, 'PENDING',
            app.current_user_id(), app.now() + interval '48 hours'
        )
        returning id into v_id;
    exception when unique_violation then
        perform app.raise_error('FP606', 409, 'An extension request for this lead is already waiting.', 'lead_id');
    end;
    perform app_private.notify_roles(
        v_lead.tenant_id, array['sales_manager'], 'EXTENSION_REQUESTED', v_lead.id,
        format('Verlängerung beantragt: %s', v_lead.company_name),
        format('%s Tage für %s: %s', request_extension.days, v_lead.company_name, v_reason),
        'EXTENSION_REQUESTED:' || v_id
    );
    perform app_private.audit(
        v_lead.tenant_id, 'lead.extension_requested', 'extension_request', v_id, v_lead.id, null,
        jsonb_build_object('days', request_extension.days), v_reason
    );
    return (select x from api.extension_requests as x where x.id = v_id);
end
$$;

--
-- Name: FUNCTION request_extension(lead_id uuid, days integer, reason text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.request_extension(lead_id uuid, days integer, reason text) IS 'The owner asks for 1-90 more days (mode LEAST only; FP601 in GREATEST). A manager decides within 48 hours.';

--
-- Name: jobs; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.jobs (
    id bigint NOT NULL,
    tenant_id uuid,
    kind text NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    dedupe_key text,
    state text DEFAULT 'PENDING'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    last_error text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    locked_by text,
    user_id uuid,
    to_address text,
    template text,
    lead_id uuid,
    message_id text,
    CONSTRAINT jobs_dedupe_key_length CHECK ((char_length(dedupe_key) <= 300)),
    CONSTRAINT jobs_finished_consistent CHECK (((state = ANY (ARRAY['DONE'::text, 'PARKED'::text, 'CANCELLED'::text])) = (finished_at IS NOT NULL))),
    CONSTRAINT jobs_last_error_length CHECK ((char_length(last_error) <= 2000)),
    CONSTRAINT jobs_locked_by_length CHECK ((char_length(locked_by) <= 200)),
    CONSTRAINT jobs_mail_complete CHECK (((kind <> 'mail.send'::text) OR ((to_address IS NOT NULL) AND (template IS NOT NULL)))),
    CONSTRAINT jobs_state_known CHECK ((state = ANY (ARRAY['PENDING'::text, 'RUNNING'::text, 'DONE'::text, 'PARKED'::text, 'CANCELLED'::text]))),
    CONSTRAINT jobs_template_format CHECK ((template ~ '^[a-z_]{1,40}$'::text)),
    CONSTRAINT jobs_to_address_length CHECK ((char_length(to_address) <= 254))
);

--
-- Name: TABLE jobs; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.jobs IS 'The job queue. A worker takes a due PENDING job with FOR UPDATE SKIP LOCKED and runs its kind''s handler; the outcome (DONE, retry with backoff, PARKED with the error after the last attempt) is recorded by the lifecycle functions. Nothing is ever deleted by a worker.';

--
-- Name: COLUMN jobs.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.id IS 'Job id (for mail also the Message-ID).';

--
-- Name: COLUMN jobs.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.tenant_id IS 'Tenant the job works for (null: the whole installation).';

--
-- Name: COLUMN jobs.kind; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.kind IS 'Kind of job (app.job_kinds).';

--
-- Name: COLUMN jobs.payload; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.payload IS 'Arguments of the handler (for mail: template values). A feedback link (key "link") is kept only while the job is PENDING.';

--
-- Name: COLUMN jobs.dedupe_key; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.dedupe_key IS 'One job per event (and recipient): a second enqueue is ignored.';

--
-- Name: COLUMN jobs.state; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.state IS 'PENDING, RUNNING (a non-idempotent job during its call), DONE, PARKED (gave up; see last_error) or CANCELLED (no longer wanted).';

--
-- Name: COLUMN jobs.attempts; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.attempts IS 'Attempts so far.';

--
-- Name: COLUMN jobs.next_attempt_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.next_attempt_at IS 'Not before then (scheduled, or backoff after a failure).';

--
-- Name: COLUMN jobs.last_error; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.last_error IS 'The last error.';

--
-- Name: COLUMN jobs.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.created_at IS 'When it was queued.';

--
-- Name: COLUMN jobs.started_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.started_at IS 'When the last attempt started.';

--
-- Name: COLUMN jobs.finished_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.finished_at IS 'When it was done, parked or cancelled.';

--
-- Name: COLUMN jobs.locked_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.locked_by IS 'The worker that ran the last attempt.';

--
-- Name: COLUMN jobs.user_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.user_id IS 'mail.send: recipient user, when the mail goes to a user.';

--
-- Name: COLUMN jobs.to_address; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.to_address IS 'mail.send: recipient address.';

--
-- Name: COLUMN jobs.template; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.template IS 'mail.send: template in jobs/templates (warning, reminder, expired, escalation, feedback_invitation, ...).';

--
-- Name: COLUMN jobs.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.lead_id IS 'The lead the job is about (a notice or feedback mail), if any; GDPR blanks a pseudonymised lead''s mails by it.';

--
-- Name: COLUMN jobs.message_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.jobs.message_id IS 'mail.send: the Message-ID the mail is sent with (<job-N.random@freshplan>; replies name it in In-Reply-To/References). Set by the insert trigger.';

--
-- Name: jobs; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.jobs WITH (security_invoker='true') AS
 SELECT j.id,
    j.kind,
    j.state,
    j.attempts,
    j.next_attempt_at,
    j.last_error,
    j.created_at,
    j.started_at,
    j.finished_at,
    j.to_address,
    j.template,
    j.lead_id
   FROM app.jobs j;

--
-- Name: VIEW jobs; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.jobs IS 'The tenant''s jobs (tenant admins): mail and connector calls; parked jobs show their error.';

--
-- Name: COLUMN jobs.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.jobs.id IS 'Job id.';

--
-- Name: COLUMN jobs.kind; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.jobs.kind IS 'Kind of job (mail.send, ...).';

--
-- Name: COLUMN jobs.state; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.jobs.state IS 'PENDING, RUNNING, DONE, PARKED or CANCELLED.';

--
-- Name: COLUMN jobs.attempts; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.jobs.attempts IS 'Attempts so far.';

--
-- Name: COLUMN jobs.next_attempt_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.jobs.next_attempt_at IS 'Next attempt not before.';

--
-- Name: COLUMN jobs.last_error; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.jobs.last_error IS 'Last error.';

--
-- Name: COLUMN jobs.created_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.jobs.created_at IS 'Queued at.';

--
-- Name: COLUMN jobs.started_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.jobs.started_at IS 'Last attempt started at.';

--
-- Name: COLUMN jobs.finished_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.jobs.finished_at IS 'Done, parked or cancelled at.';

--
-- Name: COLUMN jobs.to_address; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.jobs.to_address IS 'mail.send: recipient.';

--
-- Name: COLUMN jobs.template; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.jobs.template IS 'mail.send: kind of mail.';

--
-- Name: COLUMN jobs.lead_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.jobs.lead_id IS 'The lead the job is about, if any.';

--
-- Name: request_sync(text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.request_sync(kind text) RETURNS SETOF api.jobs
    LANGUAGE plpgsql ROWS 1
    AS $$
declare
    v_job bigint;
begin
    perform app.require_role(array['tenant_admin']);  -- before app_private says 42501 to other roles
    v_job := app_private.request_sync(request_sync.kind);
    return query select j.* from api.jobs as j where j.id = v_job;
end
$$;

--
-- Name: FUNCTION request_sync(kind text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.request_sync(kind text) IS 'Queues a sync now (tenant admins): kind is the job kind, today xentral.products. A sync already waiting is returned instead of a second one.';

--
-- Name: requeue_job(bigint); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.requeue_job(job_id bigint) RETURNS SETOF api.jobs
    LANGUAGE plpgsql ROWS 1
    AS $$
begin
    perform app.require_role(array['tenant_admin']);  -- before app_private says 42501 to other roles
    perform app_private.requeue_job(job_id);
    return query select j.* from api.jobs as j where j.id = requeue_job.job_id;
end
$$;

--
-- Name: FUNCTION requeue_job(job_id bigint); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.requeue_job(job_id bigint) IS 'Puts a PARKED job of the caller''s tenant back into the queue with a fresh set of attempts (tenant admins; audited).';

--
-- Name: revoke_feedback_token(uuid); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.revoke_feedback_token(phase_id uuid) RETURNS api.test_phases
    LANGUAGE plpgsql
    AS $$
declare
    v_phase app.test_phases := app.visible_phase(revoke_feedback_token.phase_id);
begin
    perform app.lead_for_sample_write(v_phase.lead_id);
    perform app_private.revoke_feedback_token(v_phase.id);
    return (select ph from api.test_phases as ph where ph.id = v_phase.id);
end
$$;

--
-- Name: FUNCTION revoke_feedback_token(phase_id uuid); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.revoke_feedback_token(phase_id uuid) IS 'Revokes the feedback link of a test phase (FP909 when it has no usable link); pending mails are cancelled.';

--
-- Name: rotate_feedback_token(uuid); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.rotate_feedback_token(phase_id uuid) RETURNS app.test_phase_link
    LANGUAGE plpgsql
    AS $$
declare
    v_phase app.test_phases := app.visible_phase(rotate_feedback_token.phase_id);
    v_token text;
begin
    perform app.lead_for_sample_write(v_phase.lead_id);
    -- two statements: the second must see the link the first issued
    v_token := app_private.issue_feedback_token(v_phase.id, 'feedback_link.rotated');
    return app.phase_link(v_phase.id, v_token);
end
$$;

--
-- Name: FUNCTION rotate_feedback_token(phase_id uuid); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.rotate_feedback_token(phase_id uuid) IS 'Replaces the feedback link of a test phase: the old link stops working at once, the new one is shown once and mailed to the contact again. At most sample.feedback.maxRotationsPerDay (3) times in 24 hours (FP915, 429).';

--
-- Name: sales_orders(api.leads); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.sales_orders(api.leads) RETURNS SETOF api.sales_orders
    LANGUAGE sql STABLE
    AS $_$
    select c.* from api.sales_orders as c where c.lead_id = $1.id
$_$;

--
-- Name: FUNCTION sales_orders(api.leads); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.sales_orders(api.leads) IS 'The sales orders of a lead, as api.sales_orders shows them to the caller: GET /leads?select=*,sales_orders(*).';

--
-- Name: sample_boxes(api.leads); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.sample_boxes(api.leads) RETURNS SETOF api.sample_boxes
    LANGUAGE sql STABLE
    AS $_$
    select c.* from api.sample_boxes as c where c.lead_id = $1.id
$_$;

--
-- Name: FUNCTION sample_boxes(api.leads); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.sample_boxes(api.leads) IS 'The sample boxes of a lead, as api.sample_boxes shows them to the caller: GET /leads?select=*,sample_boxes(*).';

--
-- Name: activity_kinds; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.activity_kinds WITH (security_invoker='true') AS
 SELECT k.kind,
    k.counts_as_progress,
    k.description
   FROM app.activity_kinds k;

--
-- Name: VIEW activity_kinds; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.activity_kinds IS 'Activity kinds of the caller''s tenant and whether they count as progress.';

--
-- Name: COLUMN activity_kinds.kind; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.activity_kinds.kind IS 'Kind code.';

--
-- Name: COLUMN activity_kinds.counts_as_progress; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.activity_kinds.counts_as_progress IS 'Qualifying: renews protection.';

--
-- Name: COLUMN activity_kinds.description; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.activity_kinds.description IS 'What it means.';

--
-- Name: set_activity_kind(text, boolean); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.set_activity_kind(kind text, counts_as_progress boolean) RETURNS api.activity_kinds
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
declare
    v_before boolean;
begin
    perform app.require_role(array['tenant_admin']);
    if set_activity_kind.counts_as_progress is null then
        perform app.raise_error('FP301', 400, 'counts_as_progress must be true or false.', 'counts_as_progress');
    end if;
    select k.counts_as_progress into v_before
    from app.activity_kinds as k
    where k.tenant_id = app.current_tenant_id() and k.kind = set_activity_kind.kind;
    if v_before is null then
        perform app.raise_error('FP401', 400, 'kind is not an activity kind of your tenant.', 'kind');
    end if;
    update app.activity_kinds as k
    set counts_as_progress = set_activity_kind.counts_as_progress
    where k.tenant_id = app.current_tenant_id() and k.kind = set_activity_kind.kind;
    perform app_private.audit(
        app.current_tenant_id(), 'activity_kind.changed', 'activity_kind', null, null,
        jsonb_build_object('kind', set_activity_kind.kind, 'counts_as_progress', v_before),
        jsonb_build_object('kind', set_activity_kind.kind, 'counts_as_progress', set_activity_kind.counts_as_progress)
    );
    return (select k from api.activity_kinds as k where k.kind = set_activity_kind.kind);
end
$$;

--
-- Name: FUNCTION set_activity_kind(kind text, counts_as_progress boolean); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.set_activity_kind(kind text, counts_as_progress boolean) IS 'Decides whether a kind counts as progress (tenant admins). Applies to existing activities at once.';

--
-- Name: set_setting(text, text, jsonb, uuid); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.set_setting(key text, scope text, value jsonb, target_id uuid DEFAULT NULL::uuid) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
declare
    v_registry app.settings_registry;
    v_target uuid;
    v_error text;
    v_before jsonb;
begin
    perform app.require_role(array['tenant_admin']);
    select r.* into v_registry from app.settings_registry as r where r.key = set_setting.key;
    if v_registry.key is null then
        perform app.raise_error('FP201', 400, format('%s is not a setting.', coalesce(set_setting.key, 'null')), 'key');
    end if;
    if set_setting.scope is null or set_setting.scope not in ('tenant', 'org', 'user')
        or not set_setting.scope = any(v_registry.allowed_scopes) then
        perform app.raise_error(
            'FP202', 400,
            format('%s cannot be set at scope %s.', set_setting.key, coalesce(set_setting.scope, 'null')), 'scope',
            'Allowed: ' || array_to_string(array(
                select s from unnest(v_registry.allowed_scopes) as s where s <> 'global'
            ), ', ') || '.'
        );
    end if;
    v_target := case set_setting.scope when 'tenant' then app.current_tenant_id() else set_setting.target_id end;
    if set_setting.scope = 'tenant' and set_setting.target_id is not null
        and set_setting.target_id <> app.current_tenant_id() then
        perform app.raise_error('FP204', 404, 'target_id is not your tenant.', 'target_id');
    end if;
    if set_setting.scope = 'org' and not exists (select from app.orgs as o where o.id = v_target) then
        perform app.raise_error('FP204', 404, 'target_id is not an organisation of your tenant.', 'target_id');
    end if;
    if set_setting.scope = 'user' and not exists (select from app.users as u where u.id = v_target) then
        perform app.raise_error('FP204', 404, 'target_id is not a user of your tenant.', 'target_id');
    end if;
    if set_setting.value is not null and set_setting.value <> 'null'::jsonb then
        v_error := app.json_schema_error(v_registry.json_schema, set_setting.value, set_setting.key);
        if v_error is not null then
            perform app.raise_error('FP203', 400, v_error || '.', 'value');
        end if;
    end if;

    select v.value into v_before
    from app.settings_values as v
    where v.key = set_setting.key and v.scope = set_setting.scope and v.target_id = v_target;
    if set_setting.value is null or set_setting.value = 'null'::jsonb then
        -- null removes the value: the key inherits from the broader scope again
        delete from app.settings_values as v
        where v.key = set_setting.key and v.scope = set_setting.scope and v.target_id = v_target;
    elsif v_before is null then
        insert into app.settings_values (key, scope, tenant_id, target_id, value, updated_by)
        values (set_setting.key, set_setting.scope, app.current_tenant_id(), v_target, set_setting.value,
            app.current_user_id());
    else
        update app.settings_values as v
        set value = set_setting.value, updated_by = app.current_user_id(), updated_at = app.now()
        where v.key = set_setting.key and v.scope = set_setting.scope and v.target_id = v_target;
    end if;
    perform app_private.audit(
        app.current_tenant_id(), 'settings.changed', 'setting', v_target, null,
        jsonb_build_object('key', set_setting.key, 'scope', set_setting.scope, 'value', v_before),
        jsonb_build_object('key', set_setting.key, 'scope', set_setting.scope, 'value', set_setting.value)
    );
    return nullif(set_setting.value, 'null'::jsonb);
end
$$;

--
-- Name: FUNCTION set_setting(key text, scope text, value jsonb, target_id uuid); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.set_setting(key text, scope text, value jsonb, target_id uuid) IS 'Stores a setting for the tenant, an organisation or a user (tenant admins); validated against the key''s schema and allowed scopes (400 naming the key and rule). A null value removes it. Returns the stored value. Deadlines follow at once.';

--
-- Name: start_test_phase(uuid, text, date, date); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.start_test_phase(box_id uuid, stage text, start_date date, end_date date DEFAULT NULL::date) RETURNS app.test_phase_link
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
declare
    v_box app.sample_boxes;
    v_lead app.leads;
    v_phase_id uuid := gen_random_uuid();
    v_token text;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    select b.* into v_box from app.sample_boxes as b where b.id = start_test_phase.box_id;
    if v_box.id is null then
        perform app.raise_error('FP903', 404, 'The sample box does not exist.', 'box_id');
    end if;
    v_lead := app.lead_for_sample_write(v_box.lead_id);
    if start_test_phase.stage is null
        or start_test_phase.stage not in ('SAMPLE', 'TRIAL', 'PRODUCTION_CANDIDATE') then
        perform app.raise_error('FP905', 400, 'stage must be SAMPLE, TRIAL or PRODUCTION_CANDIDATE.', 'stage');
    end if;
    if start_test_phase.start_date is null then
        perform app.raise_error('FP301', 400, 'start_date is required.', 'start_date');
    end if;
    if start_test_phase.end_date < start_test_phase.start_date then
        perform app.raise_error(
            'FP906', 400,
            format('end_date must not be before start_date (%s).', start_test_phase.start_date), 'end_date'
        );
    end if;

    insert into app.test_phases (id, tenant_id, lead_id, box_id, stage, start_date, end_date, created_by)
    values (
        v_phase_id, v_lead.tenant_id, v_lead.id, v_box.id, start_test_phase.stage, start_test_phase.start_date,
        start_test_phase.end_date, app.current_user_id()
    );
    perform app_private.audit(
        v_lead.tenant_id, 'test_phase.started', 'test_phase', v_phase_id, v_lead.id, null,
        jsonb_build_object(
            'box_id', v_box.id, 'stage', start_test_phase.stage, 'start_date', start_test_phase.start_date,
            'end_date', start_test_phase.end_date
        )
    );
    -- two statements: the second must see the link the first issued
    v_token := app_private.issue_feedback_token(v_phase_id, 'feedback_link.issued');
    return app.phase_link(v_phase_id, v_token);
end
$$;

--
-- Name: FUNCTION start_test_phase(box_id uuid, stage text, start_date date, end_date date); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.start_test_phase(box_id uuid, stage text, start_date date, end_date date) IS 'Starts a test phase of a sample box (stage SAMPLE, TRIAL or PRODUCTION_CANDIDATE) and issues its feedback link. The answer holds the raw token and link: they are shown this once. The invitation mail goes to the lead''s contact e-mail, with one reminder after sample.feedback.reminderDays without feedback.';

--
-- Name: test_phases(api.leads); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.test_phases(api.leads) RETURNS SETOF api.test_phases
    LANGUAGE sql STABLE
    AS $_$
    select c.* from api.test_phases as c where c.lead_id = $1.id
$_$;

--
-- Name: FUNCTION test_phases(api.leads); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.test_phases(api.leads) IS 'The test phases of a lead, as api.test_phases shows them to the caller: GET /leads?select=*,test_phases(*).';

--
-- Name: test_results(api.leads); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.test_results(api.leads) RETURNS SETOF api.test_results
    LANGUAGE sql STABLE
    AS $_$
    select c.* from api.test_results as c where c.lead_id = $1.id
$_$;

--
-- Name: FUNCTION test_results(api.leads); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.test_results(api.leads) IS 'The test results of a lead, as api.test_results shows them to the caller: GET /leads?select=*,test_results(*).';

--
-- Name: transfer_lead(uuid, uuid, text); Type: FUNCTION; Schema: api; Owner: -
--

CREATE FUNCTION api.transfer_lead(lead_id uuid, new_owner_id uuid, reason text) RETURNS api.lead_protection
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
begin
    perform app.require_role(array['sales_manager', 'tenant_admin']);
    perform app_private.reassign_lead(
        transfer_lead.lead_id, transfer_lead.new_owner_id, app.check_text(transfer_lead.reason, 'reason', 10, 2000)
    );
    return (select p from api.lead_protection as p where p.lead_id = transfer_lead.lead_id);
end
$$;

--
-- Name: FUNCTION transfer_lead(lead_id uuid, new_owner_id uuid, reason text); Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON FUNCTION api.transfer_lead(lead_id uuid, new_owner_id uuid, reason text) IS 'Gives a lead to another rep with a fresh protection cycle (managers; tenant admins for pool leads). Collaborators are kept unless the new owner was one.';

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
-- Name: ai_cost_eur(text, text, date, bigint, bigint, bigint, bigint); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.ai_cost_eur(p_provider text, p_model text, p_on date, p_input bigint, p_cached_input bigint, p_cache_write bigint, p_output bigint) RETURNS numeric
    LANGUAGE plpgsql STABLE
    AS $$
begin
    return (
        select round(
            (
                p_input * p.usd_input_per_mtok
                + p_cached_input * p.usd_cached_input_per_mtok
                + p_cache_write * p.usd_cache_write_per_mtok
                + p_output * p.usd_output_per_mtok
            ) / 1000000
            * (app.effective_setting('ai.fx.usdEur', null, null, null) #>> '{}')::numeric,
            8
        )
        from app.ai_model_prices as p
        where p.provider = p_provider and p.model = p_model and p.valid_from <= p_on
        order by p.valid_from desc
        limit 1
    );
end
$$;

--
-- Name: FUNCTION ai_cost_eur(p_provider text, p_model text, p_on date, p_input bigint, p_cached_input bigint, p_cache_write bigint, p_output bigint); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.ai_cost_eur(p_provider text, p_model text, p_on date, p_input bigint, p_cached_input bigint, p_cache_write bigint, p_output bigint) IS 'EUR cost of uncached input, cached input, cache-write and output tokens at a model''s price on a day (ai.fx.usdEur); null when the model has no price.';

--
-- Name: ai_month(uuid, timestamp with time zone); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.ai_month(p_tenant_id uuid, p_at timestamp with time zone) RETURNS date
    LANGUAGE sql STABLE
    AS $$
    select date_trunc(
        'month', p_at at time zone (app.effective_setting('tenant.timezone', p_tenant_id, null, null) #>> '{}')
    )::date
$$;

--
-- Name: FUNCTION ai_month(p_tenant_id uuid, p_at timestamp with time zone); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.ai_month(p_tenant_id uuid, p_at timestamp with time zone) IS 'First day of the budget month that contains a moment, in the tenant''s time zone.';

--
-- Name: check_line(text, text, integer, integer); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.check_line(p_value text, p_field text, p_min integer, p_max integer) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
declare
    v_value text := app.check_text(p_value, p_field, p_min, p_max);
begin
    if v_value ~ '[\x01-\x1f\x7f-\x9f\u2028\u2029]' then
        perform app.raise_error(
            'FP301', 400, format('%s must be one line without control characters.', p_field), p_field
        );
    end if;
    return v_value;
end
$$;

--
-- Name: FUNCTION check_line(p_value text, p_field text, p_min integer, p_max integer); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.check_line(p_value text, p_field text, p_min integer, p_max integer) IS 'check_text for one line of text: also refuses control and line-separator characters (FP301).';

--
-- Name: check_text(text, text, integer, integer); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.check_text(p_value text, p_field text, p_min integer, p_max integer) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
declare
    v_value text := btrim(p_value);
begin
    if v_value is null or char_length(v_value) < p_min then
        perform app.raise_error(
            'FP301', 400, format('%s must have at least %s characters.', p_field, p_min), p_field
        );
    end if;
    if char_length(v_value) > p_max then
        perform app.raise_error(
            'FP301', 400, format('%s must have at most %s characters.', p_field, p_max), p_field
        );
    end if;
    return v_value;
end
$$;

--
-- Name: FUNCTION check_text(p_value text, p_field text, p_min integer, p_max integer); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.check_text(p_value text, p_field text, p_min integer, p_max integer) IS 'Trims a text argument and raises FP301 (400, naming the field) unless its length is in range.';

--
-- Name: connector_state(boolean, timestamp with time zone, timestamp with time zone, boolean); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.connector_state(p_configured boolean, p_last_success_at timestamp with time zone, p_last_error_at timestamp with time zone, p_troubled boolean) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
    select case
        when not p_configured then 'unconfigured'
        when p_last_error_at is not null and (p_last_success_at is null or p_last_error_at > p_last_success_at)
            then 'down'
        when p_troubled then 'degraded'
        else 'ok'
    end
$$;

--
-- Name: FUNCTION connector_state(p_configured boolean, p_last_success_at timestamp with time zone, p_last_error_at timestamp with time zone, p_troubled boolean); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.connector_state(p_configured boolean, p_last_success_at timestamp with time zone, p_last_error_at timestamp with time zone, p_troubled boolean) IS 'ok, degraded (jobs retrying or parked since the last success), down (the last call failed) or unconfigured.';

--
-- Name: connector_troubled(text, uuid, timestamp with time zone); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.connector_troubled(p_connector text, p_tenant_id uuid, p_last_success_at timestamp with time zone) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
    select exists (
        select from app.jobs as j
        where
            split_part(j.kind, '.', 1) = p_connector
            and (p_tenant_id is null or j.tenant_id = p_tenant_id)
            and (j.state = 'PARKED' or (j.state = 'PENDING' and j.attempts > 0))
            and j.created_at > coalesce(p_last_success_at, '-infinity')
    )
    -- a mailbox nearly full loses customers' replies silently (app_private.store_mailbox_quota)
    or (
        p_connector = 'mail'
        and exists (
            select from app.mailbox_quotas as q
            where
                q.warned_at is not null and (p_tenant_id is null or q.tenant_id = p_tenant_id)
                -- a reading days old (KAS no longer checked, another mailbox) says nothing now
                and q.checked_at > pg_catalog.now() - interval '3 days'
        )
    )
$$;

--
-- Name: FUNCTION connector_troubled(p_connector text, p_tenant_id uuid, p_last_success_at timestamp with time zone); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.connector_troubled(p_connector text, p_tenant_id uuid, p_last_success_at timestamp with time zone) IS 'Whether jobs of the connector (of the tenant, or of all when null) are retrying or parked since the last success; for mail also a mailbox above its quota''s warning level.';

--
-- Name: credit_checks; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.credit_checks (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    company_id text,
    company_name text,
    status text NOT NULL,
    grade text,
    allianz_job_id text,
    checked_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    valid_until timestamp with time zone,
    requested_by uuid,
    reused_from uuid,
    CONSTRAINT credit_checks_allianz_job_id_format CHECK ((allianz_job_id ~ '^[A-Za-z0-9_-]{1,100}$'::text)),
    CONSTRAINT credit_checks_company_id_format CHECK ((company_id ~ '^[A-Za-z0-9_-]{1,40}$'::text)),
    CONSTRAINT credit_checks_company_name_length CHECK (((char_length(company_name) >= 1) AND (char_length(company_name) <= 300))),
    CONSTRAINT credit_checks_grade_format CHECK ((grade ~ '^[A-Za-z0-9.+-]{1,10}$'::text)),
    CONSTRAINT credit_checks_graded CHECK (((status = 'GRADED'::text) = (grade IS NOT NULL))),
    CONSTRAINT credit_checks_pending CHECK (((status <> 'PENDING'::text) OR (allianz_job_id IS NOT NULL))),
    CONSTRAINT credit_checks_status_known CHECK ((status = ANY (ARRAY['GRADED'::text, 'PENDING'::text, 'FAILED'::text])))
);

--
-- Name: TABLE credit_checks; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.credit_checks IS 'Credit checks of leads'' companies at Allianz Trade (POST /api/credit-checks); reused for 8 hours.';

--
-- Name: COLUMN credit_checks.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_checks.id IS 'Check id.';

--
-- Name: COLUMN credit_checks.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_checks.tenant_id IS 'Tenant.';

--
-- Name: COLUMN credit_checks.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_checks.lead_id IS 'Lead whose company was checked.';

--
-- Name: COLUMN credit_checks.company_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_checks.company_id IS 'Allianz Trade''s companyId.';

--
-- Name: COLUMN credit_checks.company_name; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_checks.company_name IS 'The company''s name as Allianz Trade knows it.';

--
-- Name: COLUMN credit_checks.status; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_checks.status IS 'GRADED (grade known), PENDING (Allianz Trade is still grading; the next check resumes it) or FAILED.';

--
-- Name: COLUMN credit_checks.grade; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_checks.grade IS 'The grade Allianz Trade gave (its scale).';

--
-- Name: COLUMN credit_checks.allianz_job_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_checks.allianz_job_id IS 'The grade request''s job at Allianz Trade.';

--
-- Name: COLUMN credit_checks.checked_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_checks.checked_at IS 'When the answer came.';

--
-- Name: COLUMN credit_checks.valid_until; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_checks.valid_until IS 'Until when Allianz Trade vouches for the grade, if it says.';

--
-- Name: COLUMN credit_checks.requested_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_checks.requested_by IS 'Who asked.';

--
-- Name: COLUMN credit_checks.reused_from; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_checks.reused_from IS 'The check of another lead of the same company whose grade this one reuses (no upstream call).';

--
-- Name: credit_check_json(app.credit_checks, text, boolean); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.credit_check_json(p_check app.credit_checks, p_source text, p_stale boolean) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
    select jsonb_build_object(
        'check_id', p_check.id,
        'lead_id', p_check.lead_id,
        'company_id', p_check.company_id,
        'company_name', p_check.company_name,
        'grade', p_check.grade,
        'status', p_check.status,
        'checked_at', p_check.checked_at,
        'valid_until', p_check.valid_until,
        'source', p_source,
        'stale', p_stale
    )
$$;

--
-- Name: FUNCTION credit_check_json(p_check app.credit_checks, p_source text, p_stale boolean); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.credit_check_json(p_check app.credit_checks, p_source text, p_stale boolean) IS 'The answer of POST /api/credit-checks for a stored check.';

--
-- Name: credit_check_reuse(); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.credit_check_reuse() RETURNS interval
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$ select interval '8 hours' $$;

--
-- Name: FUNCTION credit_check_reuse(); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.credit_check_reuse() IS 'How long a GRADED check is reused: 8 hours.';

--
-- Name: credit_check_subject(uuid, boolean); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.credit_check_subject(p_lead_id uuid, p_refresh boolean) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
declare
    v_lead app.leads;
    v_details app.lead_details;
    v_cached app.credit_checks;
    v_vat text;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    select l.* into v_lead from app.leads as l where l.id = p_lead_id;
    if v_lead.id is null then
        perform app.raise_error('FP305', 404, 'The lead does not exist.', 'lead_id');
    end if;
    perform app.require_owner_or_manager(v_lead);
    if p_refresh and app.current_web_role() <> 'sales_manager' then
        perform app.raise_error('FP820', 403, 'Only a manager may refresh a credit check.', 'refresh');
    end if;
    select d.* into v_details from app.lead_details as d where d.lead_id = v_lead.id;
    if not p_refresh then
        select c.* into v_cached from app.credit_checks as c
        where c.lead_id = v_lead.id and c.status = 'GRADED' and c.checked_at > pg_catalog.now() - app.credit_check_reuse()
        order by c.checked_at desc
        limit 1;
    end if;
    v_vat := nullif(upper(regexp_replace(coalesce(v_details.vat_id, v_lead.vat_key, ''), '[^A-Za-z0-9]', '', 'g')), '');
    return jsonb_build_object(
        'lead_id', v_lead.id,
        'tenant_id', v_lead.tenant_id,
        -- what the collapse locks on: the company as we know it (its VAT id, else name and postcode)
        'company_key', coalesce('vat:' || v_vat, 'name:' || v_lead.dup_key),
        'vat_id', v_vat,
        'company_name', v_lead.company_name,
        'street', v_details.street,
        'postal_code', v_lead.postal_code,
        'city', v_lead.city,
        'country', coalesce(v_details.country, 'DE'),
        'cached', case when v_cached.id is not null then app.credit_check_json(v_cached, 'cache', false) end
    );
end
$$;

--
-- Name: FUNCTION credit_check_subject(p_lead_id uuid, p_refresh boolean); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.credit_check_subject(p_lead_id uuid, p_refresh boolean) IS 'Whether the caller may check the lead (owner or manager; refresh: managers), its company as we know it, and a grade of the lead younger than 8 hours.';

--
-- Name: cron_interval_seconds(text); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.cron_interval_seconds(p_schedule text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $_$
    select case
        when f[1] = '*' then 60
        when f[1] ~ '^\*/[0-9]{1,2}$' then substr(f[1], 3)::integer * 60
        when f[2] = '*' then 3600
        when f[2] ~ '^\*/[0-9]{1,2}$' then substr(f[2], 3)::integer * 3600
        when f[3] = '*' and f[5] = '*' then 86400
        when f[3] = '*' then 7 * 86400
        else 31 * 86400
    end
    from (select pg_catalog.regexp_split_to_array(pg_catalog.btrim(p_schedule), '\s+') as f) as s
$_$;

--
-- Name: FUNCTION cron_interval_seconds(p_schedule text); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.cron_interval_seconds(p_schedule text) IS 'Seconds between runs of a pg_cron schedule (minute, hour, day, week or month steps).';

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
-- Name: effective_setting(text, uuid, uuid, uuid); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.effective_setting(p_key text, p_tenant_id uuid, p_org_id uuid, p_user_id uuid) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    AS $$
begin
    return (
        with v as (
            select
                (array_agg(sv.value) filter (where sv.scope = 'global'))[1] as global_value,
                (array_agg(sv.value) filter (where sv.scope = 'tenant'))[1] as tenant_value,
                (array_agg(sv.value) filter (where sv.scope = 'org'))[1] as org_value,
                (array_agg(sv.value) filter (where sv.scope = 'user'))[1] as user_value
            from app.settings_values as sv
            where
                sv.key = p_key
                and (
                    sv.scope = 'global'
                    or (sv.scope = 'tenant' and sv.target_id = p_tenant_id)
                    or (sv.scope = 'org' and sv.target_id = p_org_id and sv.tenant_id = p_tenant_id)
                    or (sv.scope = 'user' and sv.target_id = p_user_id and sv.tenant_id = p_tenant_id)
                )
        )
        select
            case r.merge_strategy
                when 'merge' then
                    r.default_value || coalesce(v.global_value, '{}') || coalesce(v.tenant_value, '{}')
                    || coalesce(v.org_value, '{}') || coalesce(v.user_value, '{}')
                when 'append' then (
                    select coalesce(jsonb_agg(x.item order by x.first_position), '[]')
                    from (
                        select e.item, min(e.position) as first_position
                        from (
                            select base.item, base.position
                            from jsonb_array_elements(coalesce(v.tenant_value, v.global_value, r.default_value))
                                with ordinality as base (item, position)
                            union all
                            select o.item, 1000 + o.position
                            from jsonb_array_elements(coalesce(v.org_value, '[]')) with ordinality as o (item, position)
                            union all
                            select u.item, 2000 + u.position
                            from jsonb_array_elements(coalesce(v.user_value, '[]')) with ordinality as u (item, position)
                        ) as e
                        group by e.item
                    ) as x
                )
                else coalesce(v.user_value, v.org_value, v.tenant_value, v.global_value, r.default_value)
            end
        from app.settings_registry as r
        cross join v
        where r.key = p_key
    );
end
$$;

--
-- Name: FUNCTION effective_setting(p_key text, p_tenant_id uuid, p_org_id uuid, p_user_id uuid); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.effective_setting(p_key text, p_tenant_id uuid, p_org_id uuid, p_user_id uuid) IS 'The value of a setting for a tenant, org and user: user > org > tenant > global > default, combined by the key''s merge strategy.';

--
-- Name: feedback_link(text); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.feedback_link(p_token text) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    select
        rtrim(app.effective_setting('sample.feedback.linkBase', null, null, null) #>> '{}', '/')
        || '/feedback/' || p_token
$$;

--
-- Name: FUNCTION feedback_link(p_token text); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.feedback_link(p_token text) IS 'The public feedback page of a raw token: <sample.feedback.linkBase>/feedback/<token>.';

--
-- Name: format_day(timestamp with time zone); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.format_day(p_at timestamp with time zone) RETURNS text
    LANGUAGE sql STABLE
    AS $$ select to_char(p_at at time zone (app.my_protection_config()).timezone, 'YYYY-MM-DD') $$;

--
-- Name: FUNCTION format_day(p_at timestamp with time zone); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.format_day(p_at timestamp with time zone) IS 'A date for messages, in the caller''s tenant time zone.';

--
-- Name: format_german_date(text, text); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.format_german_date(p_at text, p_timezone text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    select coalesce(to_char(p_at::timestamptz at time zone coalesce(p_timezone, 'Europe/Berlin'), 'DD.MM.YYYY'), '')
$$;

--
-- Name: FUNCTION format_german_date(p_at text, p_timezone text); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.format_german_date(p_at text, p_timezone text) IS 'A timestamp as a German date (TT.MM.JJJJ) in a time zone (Europe/Berlin if none); empty for none. The one German date format of every notice and mail.';

--
-- Name: held_days_in_cycle(app.leads, jsonb); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.held_days_in_cycle(p_lead app.leads, p_hold_max_days jsonb) RETURNS numeric
    LANGUAGE sql STABLE
    AS $$
    select coalesce(sum(
        app.hold_days_since(h.start_at, h.end_at, (p_hold_max_days ->> h.reason)::integer, p_lead.anchor_at)
    ), 0)
    from app.holds as h
    where h.lead_id = p_lead.id and h.assignment_id = p_lead.assignment_id and h.state = 'APPROVED'
$$;

--
-- Name: FUNCTION held_days_in_cycle(p_lead app.leads, p_hold_max_days jsonb); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.held_days_in_cycle(p_lead app.leads, p_hold_max_days jsonb) IS 'Days the approved holds of the lead''s current cycle stop (or may stop) the clock.';

--
-- Name: hold_days_since(timestamp with time zone, timestamp with time zone, integer, timestamp with time zone); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.hold_days_since(p_start_at timestamp with time zone, p_end_at timestamp with time zone, p_cap_days integer, p_since timestamp with time zone) RETURNS numeric
    LANGUAGE sql IMMUTABLE
    AS $$
    select extract(epoch from greatest(
        least(coalesce(p_end_at, 'infinity'::timestamptz), p_start_at + make_interval(secs => 86400 * p_cap_days))
        - greatest(p_start_at, p_since),
        interval '0'
    )) / 86400
$$;

--
-- Name: FUNCTION hold_days_since(p_start_at timestamp with time zone, p_end_at timestamp with time zone, p_cap_days integer, p_since timestamp with time zone); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.hold_days_since(p_start_at timestamp with time zone, p_end_at timestamp with time zone, p_cap_days integer, p_since timestamp with time zone) IS 'Days a hold stops the clock after a moment, at most its cap; an open hold at its cap.';

--
-- Name: hold_for_action(uuid); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.hold_for_action(p_hold_id uuid) RETURNS app.holds
    LANGUAGE plpgsql
    AS $$
declare
    v_hold app.holds;
begin
    select h.* into v_hold from app.holds as h where h.id = p_hold_id;
    if v_hold.id is null then
        perform app.raise_error('FP516', 404, 'The hold does not exist.', 'hold_id');
    end if;
    perform app_private.lock_lead(v_hold.lead_id);
    select h.* into v_hold from app.holds as h where h.id = p_hold_id;
    return v_hold;
end
$$;

--
-- Name: FUNCTION hold_for_action(p_hold_id uuid); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.hold_for_action(p_hold_id uuid) IS 'Returns a hold visible to the caller with its lead locked, or raises FP516.';

--
-- Name: inbound_mail_lead(uuid, text, text[], text); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.inbound_mail_lead(p_tenant_id uuid, p_in_reply_to text, p_references text[], p_from text) RETURNS TABLE(lead_id uuid, matched_by text)
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
    select m.lead_id, m.matched_by
    from (
        (
            select j.lead_id, 'in_reply_to'::text as matched_by, 1 as priority
            from app.jobs as j
            inner join app.leads as l on j.lead_id = l.id
            where
                j.message_id = p_in_reply_to and j.tenant_id = p_tenant_id and j.user_id is null
                and l.pseudonymized_at is null
            limit 1
        )
        union all
        (
            select j.lead_id, 'references'::text, 2
            from app.jobs as j
            inner join app.leads as l on j.lead_id = l.id
            where
                j.message_id = any(p_references) and j.tenant_id = p_tenant_id and j.user_id is null
                and l.pseudonymized_at is null
            order by j.id desc
            limit 1
        )
        union all
        (
            select min(d.lead_id::text)::uuid, 'sender'::text, 3
            from app.lead_details as d
            inner join app.leads as l on d.lead_id = l.id
            where
                d.tenant_id = p_tenant_id and lower(d.contact_email) = p_from
                and l.owner_id is not null and l.pseudonymized_at is null
            having count(*) = 1
        )
    ) as m
    order by m.priority
    limit 1
$$;

--
-- Name: FUNCTION inbound_mail_lead(p_tenant_id uuid, p_in_reply_to text, p_references text[], p_from text); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.inbound_mail_lead(p_tenant_id uuid, p_in_reply_to text, p_references text[], p_from text) IS 'The lead a mail answers (our Message-ID of a mail to a customer in In-Reply-To or References), else the one owned lead with its sender as contact address; none when ambiguous; never a pseudonymised lead.';

--
-- Name: inbound_mail_origin_known(app.inbound_mails); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.inbound_mail_origin_known(p_mail app.inbound_mails) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $_$
    select p_mail.matched_by = 'manager' or (
        p_mail.matched_by in ('in_reply_to', 'references')
        and exists (
            select from app.jobs as j
            where
                j.lead_id = p_mail.lead_id and j.kind = 'mail.send'
                and (j.message_id = p_mail.in_reply_to or j.message_id = any(p_mail.reference_ids))
                and j.message_id ~ '^<job-[0-9]+\.[0-9a-f]{32}@freshplan>$'
        )
    )
$_$;

--
-- Name: FUNCTION inbound_mail_origin_known(p_mail app.inbound_mails); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.inbound_mail_origin_known(p_mail app.inbound_mails) IS 'Whether a mail answers one of our mails by its unguessable Message-ID, or was assigned by a manager.';

--
-- Name: json_schema_error(jsonb, jsonb, text); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.json_schema_error(p_schema jsonb, p_value jsonb, p_path text DEFAULT 'value'::text) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $_$
declare
    v_type text := p_schema ->> 'type';
    v_actual text := jsonb_typeof(p_value);
    v_item record;
    v_error text;
begin
    -- "type" may list several types (e.g. ["number", "null"] for an optional number)
    if jsonb_typeof(p_schema -> 'type') = 'array' then
        if not (p_schema -> 'type') ? v_actual
            and not ((p_schema -> 'type') ? 'integer' and v_actual = 'number'
                and p_value::text::numeric = trunc(p_value::text::numeric)) then
            return format('%s must be of type %s', p_path,
                array_to_string(array(select jsonb_array_elements_text(p_schema -> 'type')), ' or '));
        end if;
    elsif v_type is not null then
        if v_type = 'integer' then
            if v_actual <> 'number' or p_value::text::numeric <> trunc(p_value::text::numeric) then
                return format('%s must be a whole number', p_path);
            end if;
        elsif v_actual is distinct from v_type then
            return format('%s must be of type %s', p_path, v_type);
        end if;
    end if;
    if p_schema ? 'enum' and not (p_schema -> 'enum') @> jsonb_build_array(p_value) then
        return format('%s must be one of %s', p_path, p_schema -> 'enum');
    end if;
    if v_actual = 'number' then
        if p_schema ? 'minimum' and p_value::text::numeric < (p_schema ->> 'minimum')::numeric then
            return format('%s must be at least %s', p_path, p_schema ->> 'minimum');
        end if;
        if p_schema ? 'maximum' and p_value::text::numeric > (p_schema ->> 'maximum')::numeric then
            return format('%s must be at most %s', p_path, p_schema ->> 'maximum');
        end if;
    end if;
    if v_actual = 'string' then
        if p_schema ? 'minLength' and char_length(p_value #>> '{}') < (p_schema ->> 'minLength')::int then
            return format('%s must have at least %s characters', p_path, p_schema ->> 'minLength');
        end if;
        if p_schema ? 'maxLength' and char_length(p_value #>> '{}') > (p_schema ->> 'maxLength')::int then
            return format('%s must have at most %s characters', p_path, p_schema ->> 'maxLength');
        end if;
        -- an ISO 8601 duration such as PT8H or P1DT12H (weeks, years and months too)
        if p_schema ->> 'format' = 'iso8601-duration'
            and (p_value #>> '{}') !~ '^P(?!$)([0-9]+Y)?([0-9]+M)?([0-9]+W)?([0-9]+D)?(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+S)?)?$' then
            return format('%s must be an ISO 8601 duration such as PT8H', p_path);
        end if;
        if p_schema ->> 'format' = 'iana-timezone'
            and not exists (select from pg_catalog.pg_timezone_names where name = p_value #>> '{}') then
            return format('%s must be an IANA time zone name such as Europe/Berlin', p_path);
        end if;
    end if;
    if v_actual = 'array' then
        if (p_schema -> 'uniqueItems')::boolean
            and jsonb_array_length(p_value) <> (select count(distinct e) from jsonb_array_elements(p_value) as e) then
            return format('%s must not repeat items', p_path);
        end if;
        if p_schema ? 'items' then
            for v_item in select e.value, e.ordinality from jsonb_array_elements(p_value) with ordinality as e loop
                v_error := app.json_schema_error(
                    p_schema -> 'items', v_item.value, format('%s[%s]', p_path, v_item.ordinality - 1)
                );
                if v_error is not null then
                    return v_error;
                end if;
            end loop;
        end if;
    end if;
    if v_actual = 'object' then
        for v_item in select e.key, e.value from jsonb_each(p_value) as e order by e.key loop
            if p_schema ? 'propertyNames' then
                v_error := app.json_schema_error(
                    p_schema -> 'propertyNames', to_jsonb(v_item.key), format('key %s of %s', v_item.key, p_path)
                );
                if v_error is not null then
                    return v_error;
                end if;
            end if;
            if p_schema ? 'additionalProperties' then
                v_error := app.json_schema_error(
                    p_schema -> 'additionalProperties', v_item.value, format('%s.%s', p_path, v_item.key)
                );
                if v_error is not null then
                    return v_error;
                end if;
            end if;
        end loop;
    end if;
    return null;
end
$_$;

--
-- Name: FUNCTION json_schema_error(p_schema jsonb, p_value jsonb, p_path text); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.json_schema_error(p_schema jsonb, p_value jsonb, p_path text) IS 'First violation of a value against a settings schema (a JSON Schema subset), or null.';

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
-- Name: lead_deadlines(app.leads, app.protection_configs, timestamp with time zone); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.lead_deadlines(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) RETURNS TABLE(progress_due_at timestamp with time zone, warning_at timestamp with time zone, grace_until timestamp with time zone, term_end_at timestamp with time zone, expires_at timestamp with time zone, status text, clock_stopped boolean, held_seconds numeric)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    select d.*
    from app.protection_deadlines(
        p_lead.registered_at, p_lead.anchor_at, p_lead.held_since_anchor, p_lead.held_since_registration,
        p_lead.hold_start, p_lead.hold_end, p_lead.hold_reason, p_lead.extension_days,
        p_lead.override_until, p_config.timezone, p_config.progress_days, p_config.warning_days,
        p_config.grace_days, p_config.base_months, p_config.mode, p_config.hold_max_days, p_at
    ) as d
$$;

--
-- Name: FUNCTION lead_deadlines(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.lead_deadlines(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) IS 'app.protection_deadlines for a lead row.';

--
-- Name: lead_for_action(uuid); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.lead_for_action(p_lead_id uuid) RETURNS app.leads
    LANGUAGE plpgsql
    AS $$
declare
    v_lead app.leads;
begin
    perform app_private.lock_lead(p_lead_id);
    select l.* into v_lead from app.leads as l where l.id = p_lead_id;
    if v_lead.id is null then
        perform app.raise_error('FP305', 404, 'The lead does not exist.', 'lead_id');
    end if;
    return v_lead;
end
$$;

--
-- Name: FUNCTION lead_for_action(p_lead_id uuid); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.lead_for_action(p_lead_id uuid) IS 'Locks and returns a lead visible to the caller, or raises FP305.';

--
-- Name: lead_for_sample_write(uuid); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.lead_for_sample_write(p_lead_id uuid) RETURNS app.leads
    LANGUAGE plpgsql
    AS $$
declare
    v_lead app.leads;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    v_lead := app.lead_for_action(p_lead_id);
    perform app.require_owner_or_manager(v_lead);
    perform app.require_live(v_lead);
    return v_lead;
end
$$;

--
-- Name: FUNCTION lead_for_sample_write(p_lead_id uuid); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.lead_for_sample_write(p_lead_id uuid) IS 'Locks and returns a lead whose samples the caller may change (owner of a live lead, or a manager).';

--
-- Name: lead_status(app.leads, app.protection_configs, timestamp with time zone); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.lead_status(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    select case
        when p_lead.owner_id is null then case when p_lead.released_at is null then 'UNASSIGNED' else 'EXPIRED' end
        else (select d.status from app.lead_deadlines(p_lead, p_config, p_at) as d)
    end
$$;

--
-- Name: FUNCTION lead_status(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.lead_status(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) IS 'UNASSIGNED, ACTIVE, GRACE or EXPIRED.';

--
-- Name: mail_subject(text, jsonb); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.mail_subject(p_template text, p_values jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    select case p_template
        when 'warning' then format(
            'Leadschutz: Fortschritt bis %s fällig – %s',
            app.format_german_date(p_values ->> 'progress_due_at', p_values ->> 'timezone'),
            p_values ->> 'company_name'
        )
        when 'reminder' then format(
            'Aufforderung zur Fortschrittsmeldung bis %s – %s',
            app.format_german_date(p_values ->> 'grace_until', p_values ->> 'timezone'),
            p_values ->> 'company_name'
        )
        when 'expired' then format('Leadschutz beendet – %s', p_values ->> 'company_name')
        when 'escalation' then format(
            'Verlängerungsantrag seit 48 Stunden unentschieden – %s', p_values ->> 'company_name'
        )
        when 'feedback_invitation' then 'Ihre FreshFoodz-Probebox: Wie hat es Ihnen geschmeckt?'
        when 'feedback_reminder' then 'Erinnerung: Ihr Feedback zur FreshFoodz-Probebox'
    end
$$;

--
-- Name: FUNCTION mail_subject(p_template text, p_values jsonb); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.mail_subject(p_template text, p_values jsonb) IS 'German subject of a mail template (null for an unknown template), from the template values.';

--
-- Name: my_protection_config(); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.my_protection_config() RETURNS app.protection_configs
    LANGUAGE sql STABLE
    AS $$ select c from app.protection_configs as c where c.tenant_id = app.current_tenant_id() $$;

--
-- Name: FUNCTION my_protection_config(); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.my_protection_config() IS 'The protection configuration of the caller''s tenant.';

--
-- Name: normalize_vat_id(text); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.normalize_vat_id(p_vat_id text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ select nullif(upper(regexp_replace(p_vat_id, '[^A-Za-z0-9]', '', 'g')), '') $$;

--
-- Name: FUNCTION normalize_vat_id(p_vat_id text); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.normalize_vat_id(p_vat_id text) IS 'VAT id without spaces and punctuation, upper case.';

--
-- Name: notice_facts(app.leads, app.protection_configs, timestamp with time zone); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.notice_facts(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    select jsonb_build_object(
        'lead_id', p_lead.id,
        'company_name', p_lead.company_name,
        'postal_code', p_lead.postal_code,
        'city', p_lead.city,
        'owner_id', p_lead.owner_id,
        'owner_org_id', (select u.org_id from app.users as u where u.id = p_lead.owner_id),
        'owner_name', (select u.display_name from app.users as u where u.id = p_lead.owner_id),
        'timezone', p_config.timezone,
        'progress_due_at', d.progress_due_at,
        'grace_until', d.grace_until,
        'expires_at', d.expires_at
    )
    from app.lead_deadlines(p_lead, p_config, p_at) as d
$$;

--
-- Name: FUNCTION notice_facts(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.notice_facts(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) IS 'Company, owner and deadlines of a lead for a notice.';

--
-- Name: notice_subject(text, jsonb); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.notice_subject(p_kind text, p_facts jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    select coalesce(
        app.mail_subject(pg_catalog.lower(p_kind), p_facts), 'Hinweis – ' || coalesce(p_facts ->> 'company_name', '')
    )
$$;

--
-- Name: FUNCTION notice_subject(p_kind text, p_facts jsonb); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.notice_subject(p_kind text, p_facts jsonb) IS 'German subject of a protection notice (as its mail''s).';

--
-- Name: notice_text(text, jsonb); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.notice_text(p_kind text, p_facts jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    select case p_kind
        when 'WARNING' then format(
            'Für %s ist bis zum %s ein Fortschritt (z. B. ein qualifiziertes Gespräch) nötig, damit der '
            || 'Leadschutz bestehen bleibt.',
            p_facts ->> 'company_name', app.format_german_date(p_facts ->> 'progress_due_at', p_facts ->> 'timezone')
        )
        when 'REMINDER' then format(
            'Für %s wurde seit dem letzten Fortschritt keine Aktivität gemeldet. Bitte melden Sie den Stand '
            || 'bis zum %s in Textform; danach endet der Leadschutz.',
            p_facts ->> 'company_name', app.format_german_date(p_facts ->> 'grace_until', p_facts ->> 'timezone')
        )
        when 'EXPIRED' then format(
            'Der Leadschutz für %s ist am %s abgelaufen. Der Lead ist wieder im Pool.',
            p_facts ->> 'company_name', app.format_german_date(p_facts ->> 'expires_at', p_facts ->> 'timezone')
        )
        when 'ESCALATION' then format(
            'Über den Verlängerungsantrag für %s (%s Tage) wurde seit 48 Stunden nicht entschieden.',
            p_facts ->> 'company_name', p_facts ->> 'days'
        )
    end
$$;

--
-- Name: FUNCTION notice_text(p_kind text, p_facts jsonb); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.notice_text(p_kind text, p_facts jsonb) IS 'German text of an in-app protection notice.';

--
-- Name: phase_link(uuid, text); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.phase_link(p_phase_id uuid, p_token text) RETURNS app.test_phase_link
    LANGUAGE sql STABLE
    AS $$
    select
        ph.id, ph.lead_id, ph.box_id, ph.stage, ph.start_date, ph.end_date, ph.created_at,
        p_token, app.feedback_link(p_token), ph.feedback_link_expires_at, ph.feedback_max_submissions
    from api.test_phases as ph
    where ph.id = p_phase_id
$$;

--
-- Name: FUNCTION phase_link(p_phase_id uuid, p_token text); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.phase_link(p_phase_id uuid, p_token text) IS 'The test phase row with a raw token and its link.';

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
-- Name: rep_can_read(uuid); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.rep_can_read(p_lead_id uuid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    select exists (
        select
        from app.leads as l
        where
            l.id = p_lead_id
            and (l.owner_id = app.current_user_id() or app_private.collaborator_role(l.id) is not null)
            and app.lead_status(l, app.my_protection_config(), app.now()) in ('ACTIVE', 'GRACE')
    )
$$;

--
-- Name: FUNCTION rep_can_read(p_lead_id uuid); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.rep_can_read(p_lead_id uuid) IS 'True when the calling rep owns or collaborates on the lead and it is ACTIVE or GRACE.';

--
-- Name: rep_hold_needs_approval(app.leads, text, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.rep_hold_needs_approval(p_lead app.leads, p_reason text, p_start_at timestamp with time zone, p_end_at timestamp with time zone) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    select
        p_reason not like 'FFZ\_%'
        or app.held_days_in_cycle(p_lead, c.hold_max_days)
        + app.hold_days_since(
            p_start_at, p_end_at, coalesce((c.hold_max_days ->> p_reason)::integer, 0), p_lead.anchor_at
        )
        > (app.effective_setting('lead.protection.hold.maxDaysPerCycle', p_lead.tenant_id, null, null) #>> '{}')::numeric
    from app.protection_configs as c
    where c.tenant_id = p_lead.tenant_id
$$;

--
-- Name: FUNCTION rep_hold_needs_approval(p_lead app.leads, p_reason text, p_start_at timestamp with time zone, p_end_at timestamp with time zone); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.rep_hold_needs_approval(p_lead app.leads, p_reason text, p_start_at timestamp with time zone, p_end_at timestamp with time zone) IS 'True when a rep''s hold must wait for a manager (its reason, or the held-days cap of the cycle).';

--
-- Name: rep_owns_live_lead(uuid); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.rep_owns_live_lead(p_lead_id uuid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    select exists (
        select
        from app.leads as l
        where
            l.id = p_lead_id
            and l.owner_id = app.current_user_id()
            and app.lead_status(l, app.my_protection_config(), app.now()) in ('ACTIVE', 'GRACE')
    )
$$;

--
-- Name: FUNCTION rep_owns_live_lead(p_lead_id uuid); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.rep_owns_live_lead(p_lead_id uuid) IS 'True when the calling rep owns the lead and its protection is ACTIVE or GRACE.';

--
-- Name: require_box_product(app.test_phases, text); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.require_box_product(p_phase app.test_phases, p_sku text) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
begin
    if p_sku is null or not exists (
        select from app.sample_box_items as i where i.box_id = p_phase.box_id and i.sku = p_sku
    ) then
        perform app.raise_error(
            'FP907', 422, format('%s is not a product of this test phase''s sample box.', coalesce(p_sku, 'null')),
            'sku'
        );
    end if;
end
$$;

--
-- Name: FUNCTION require_box_product(p_phase app.test_phases, p_sku text); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.require_box_product(p_phase app.test_phases, p_sku text) IS 'Raises FP907 (422) unless the SKU is in the sample box of the phase.';

--
-- Name: require_live(app.leads); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.require_live(p_lead app.leads) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
declare
    v_status text := app.lead_status(p_lead, app.my_protection_config(), app.now());
begin
    if v_status not in ('ACTIVE', 'GRACE') then
        perform app.raise_error(
            'FP310', 409, format('The lead is %s, so its protection cannot be changed.', v_status), 'lead_id'
        );
    end if;
    return v_status;
end
$$;

--
-- Name: FUNCTION require_live(p_lead app.leads); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.require_live(p_lead app.leads) IS 'Raises FP310 unless the lead is ACTIVE or GRACE; returns the status.';

--
-- Name: require_owner_or_manager(app.leads); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.require_owner_or_manager(p_lead app.leads) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
begin
    if app.current_web_role() = 'sales_manager' then
        return;
    end if;
    if app.current_web_role() = 'sales_rep' and p_lead.owner_id = app.current_user_id() then
        return;
    end if;
    perform app.raise_error('FP102', 403, 'Only the owner of the lead or a manager may do this.', 'lead_id');
end
$$;

--
-- Name: FUNCTION require_owner_or_manager(p_lead app.leads); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.require_owner_or_manager(p_lead app.leads) IS 'Raises FP102 unless the caller owns the lead or is a manager.';

--
-- Name: require_role(text[]); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.require_role(p_roles text[]) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
begin
    if app.current_web_role() is null or not app.current_web_role() = any(p_roles) then
        perform app.raise_error(
            'FP102', 403, 'Your role may not do this.', null,
            'Allowed: ' || array_to_string(p_roles, ', ') || '.'
        );
    end if;
end
$$;

--
-- Name: FUNCTION require_role(p_roles text[]); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.require_role(p_roles text[]) IS 'Raises FP102 (403) unless the caller has one of the roles.';

--
-- Name: sales_order_import_body(app.sales_orders); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.sales_order_import_body(p_order app.sales_orders) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
declare
    v_defaults jsonb := app.effective_setting('xentral.orderDefaults', p_order.tenant_id, null, null);
    v_zone text := app.effective_setting('tenant.timezone', p_order.tenant_id, null, null) #>> '{}';
    v_currency text;
begin
    select coalesce(min(e.value ->> 'currency'), 'EUR') into v_currency from jsonb_array_elements(p_order.items) as e;
    return jsonb_strip_nulls(jsonb_build_object(
        'date', to_char(p_order.created_at at time zone v_zone, 'YYYY-MM-DD'),
        'externalOrderNumber', p_order.number,
        'customer', jsonb_build_object('id', p_order.xentral_customer_id),
        'project', jsonb_build_object('id', v_defaults ->> 'projectId'),
        'financials', jsonb_build_object(
            'paymentMethod', jsonb_build_object('id', v_defaults ->> 'paymentMethodId'), 'currency', v_currency
        ),
        'delivery', jsonb_build_object(
            'shippingMethod', jsonb_build_object('id', v_defaults ->> 'shippingMethodId'), 'autoShipping', false
        ),
        'positions', (
            select jsonb_agg(
                jsonb_strip_nulls(jsonb_build_object(
                    'product', jsonb_build_object('id', e.value ->> 'xentral_id'),
                    'quantity', (e.value ->> 'qty')::integer,
                    'price', case when e.value ->> 'net_price' is not null then jsonb_build_object(
                        'amount', (e.value ->> 'net_price')::numeric::text, 'currency', e.value ->> 'currency'
                    ) end
                ))
                order by e.ordinality
            )
            from jsonb_array_elements(p_order.items) with ordinality as e
        ),
        'comment', p_order.note
    ));
end
$$;

--
-- Name: FUNCTION sales_order_import_body(p_order app.sales_orders); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.sales_order_import_body(p_order app.sales_orders) IS 'The body of Xentral''s sales order import for an order (settings xentral.orderDefaults, tenant.timezone).';

--
-- Name: tg_api_view__read_only(); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.tg_api_view__read_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
    perform app.raise_error(
        'FP103', 405, 'This resource is read-only; changes go through the rpc functions.', tg_table_name
    );
    return null;
end
$$;

--
-- Name: FUNCTION tg_api_view__read_only(); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.tg_api_view__read_only() IS 'Refuses INSERT, UPDATE and DELETE on api views.';

--
-- Name: tg_holds__guard(); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.tg_holds__guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
declare
    v_lead app.leads;
begin
    if current_user::text not in ('sales_rep', 'sales_manager', 'auditor', 'tenant_admin') then
        return new;
    end if;
    if tg_op = 'INSERT' then
        if new.decided_by is distinct from (case when new.state = 'APPROVED' then app.current_user_id() end) then
            perform app.raise_error('FP102', 403, 'A hold is decided by the caller only.', 'decided_by');
        end if;
        if current_user::text = 'sales_rep' and new.state = 'APPROVED' then
            select l.* into v_lead from app.leads as l where l.id = new.lead_id;
            if app.rep_hold_needs_approval(v_lead, new.reason, new.start_at, new.end_at) then
                perform app.raise_error('FP102', 403, 'This hold needs a manager''s approval.', 'state');
            end if;
        end if;
        return new;
    end if;
    if old.end_at is not null and (new.end_at is null or new.end_at > old.end_at) then
        perform app.raise_error('FP517', 409, 'The hold has already ended.', 'hold_id');
    end if;
    if new.state is distinct from old.state and old.state <> 'PENDING' then
        perform app.raise_error('FP518', 409, format('The hold was already %s.', lower(old.state)), 'hold_id');
    end if;
    if new.decided_by is distinct from old.decided_by and new.decided_by is distinct from app.current_user_id() then
        perform app.raise_error('FP102', 403, 'A hold is decided by the caller only.', 'decided_by');
    end if;
    return new;
end
$$;

--
-- Name: FUNCTION tg_holds__guard(); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.tg_holds__guard() IS 'Refuses hold changes the api functions never make: reopening an ended hold, changing a decision, a decider other than the caller, a rep''s approval beyond the rules.';

--
-- Name: tg_settings_values__validate(); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.tg_settings_values__validate() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
declare
    v_registry app.settings_registry;
    v_error text;
begin
    select r.* into v_registry from app.settings_registry as r where r.key = new.key;
    if not new.scope = any(v_registry.allowed_scopes) then
        perform app.raise_error('FP202', 400, format('%s cannot be set at scope %s.', new.key, new.scope), 'scope');
    end if;
    v_error := app.json_schema_error(v_registry.json_schema, new.value, new.key);
    if v_error is not null then
        perform app.raise_error('FP203', 400, v_error || '.', 'value');
    end if;
    -- an organisation or user value is for one of the value's own tenant, however it is written
    if new.scope = 'org' and not exists (
        select from app.orgs as o where o.id = new.target_id and o.tenant_id = new.tenant_id
    ) then
        perform app.raise_error('FP204', 404, 'target_id is not an organisation of your tenant.', 'target_id');
    end if;
    if new.scope = 'user' and not exists (
        select from app.users as u where u.id = new.target_id and u.tenant_id = new.tenant_id
    ) then
        perform app.raise_error('FP204', 404, 'target_id is not a user of your tenant.', 'target_id');
    end if;
    return new;
end
$$;

--
-- Name: FUNCTION tg_settings_values__validate(); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.tg_settings_values__validate() IS 'Validates a stored setting against its key''s schema and allowed scopes, and that an org or user value targets an organisation or user of its own tenant.';

--
-- Name: visible_phase(uuid); Type: FUNCTION; Schema: app; Owner: -
--

CREATE FUNCTION app.visible_phase(p_phase_id uuid) RETURNS app.test_phases
    LANGUAGE plpgsql STABLE
    AS $$
declare
    v_phase app.test_phases;
begin
    select ph.* into v_phase from app.test_phases as ph where ph.id = p_phase_id;
    if v_phase.id is null then
        perform app.raise_error('FP904', 404, 'The test phase does not exist.', 'phase_id');
    end if;
    return v_phase;
end
$$;

--
-- Name: FUNCTION visible_phase(p_phase_id uuid); Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON FUNCTION app.visible_phase(p_phase_id uuid) IS 'A test phase the caller may read, or FP904 (404).';

--
-- Name: acquire_lead(uuid, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.acquire_lead(p_lead_id uuid, p_open_reason text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_me uuid := app.current_user_id();
    v_lead app.leads;
    v_config app.protection_configs;
    v_status text;
    v_last_expiry timestamptz;
    v_quota integer;
begin
    if p_open_reason = 'REGISTERED' then
        perform app.require_role(array['sales_rep', 'sales_manager']);
    elsif p_open_reason = 'CLAIMED' then
        perform app.require_role(array['sales_rep']);
    else
        raise exception 'acquire_lead: unknown reason %', p_open_reason using errcode = 'invalid_parameter_value';
    end if;
    v_lead := app_private.my_tenants_lead(p_lead_id);
    select c.* into v_config from app.protection_configs as c where c.tenant_id = v_lead.tenant_id;

    if p_open_reason = 'REGISTERED' then
        -- only the registering user, for a lead that was never owned
        if v_lead.created_by is distinct from v_me
            or exists (select from app.lead_assignments as a where a.lead_id = v_lead.id) then
            perform app.raise_error('FP102', 403, 'Only a new registration starts protection this way.', 'lead_id');
        end if;
    else
        v_status := app.lead_status(v_lead, v_config, app.now());
        if v_status in ('ACTIVE', 'GRACE') then
            if v_lead.owner_id = v_me then
                perform app.raise_error('FP304', 409, 'You already own this lead.', 'lead_id');
            end if;
            -- (also the answer when someone else claimed it a moment ago)
            perform app.raise_error(
                'FP306', 409, 'The lead is protected for another agent and cannot be claimed.', 'lead_id'
            );
        end if;

        -- The previous owner may not let it lapse and claim it again for a fresh term.
        v_last_expiry := coalesce(
            (
                select max(a.protection_ended_at) from app.lead_assignments as a
                where a.lead_id = v_lead.id and a.owner_id = v_me and a.release_reason in ('EXPIRED', 'EXPIRED_NOW')
            ),
            case when v_lead.owner_id = v_me then
                (select d.expires_at from app.lead_deadlines(v_lead, v_config, app.now()) as d)
            end
        );
        if v_last_expiry + make_interval(days => v_config.cooldown_days) > app.now() then
            perform app.raise_error(
                'FP307', 422,
                format(
                    'Your protection of this lead ended recently; you can claim it again from %s.',
                    app.format_day(v_last_expiry + make_interval(days => v_config.cooldown_days))
                ),
                'lead_id'
            );
        end if;

        -- The quota counts registrations and claims; one claim per user at a time, so parallel
        -- claims cannot all pass the count.
        perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('freshplan.acquire:' || v_me, 0));
        v_quota := (app.effective_setting(
            'lead.claim.maxPerMonth', v_lead.tenant_id, app.current_org_id(), v_me
        ))::integer;
        if (
            select count(*) from app.lead_assignments as a
            where a.owner_id = v_me and a.open_reason in ('REGISTERED', 'CLAIMED')
              and a.opened_at >= app.now() - interval '30 days'
        ) >= v_quota then
            perform app.raise_error(
                'FP308', 422,
                format('You have reached your limit of %s registrations and claims in 30 days.', v_quota),
                'lead_id'
            );
        end if;

        if v_lead.owner_id is not null then
            -- Expired but not yet released by the job: release it now, exactly as the job would.
            perform app_private.release_lead(v_lead.id, 'EXPIRED', true);
        end if;
    end if;

    perform app_private.open_assignment(v_lead.id, v_me, app.now(), p_open_reason);
    if p_open_reason = 'CLAIMED' then
        perform app_private.write_audit(
            v_lead.tenant_id, 'lead.claimed', 'lead', v_lead.id, v_lead.id,
            jsonb_build_object('status', v_status), jsonb_build_object('owner_id', v_me), null, false
        );
    end if;
end
$$;

--
-- Name: FUNCTION acquire_lead(p_lead_id uuid, p_open_reason text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.acquire_lead(p_lead_id uuid, p_open_reason text) IS 'Starts the caller''s protection of a lead (REGISTERED right after registering it, or CLAIMED from the pool), checking the claim rules: not protected, cooldown, quota.';

--
-- Name: ai_begin(uuid, uuid, uuid, text, text, bytea, text, text, text, integer, integer, numeric); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.ai_begin(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_cache_key bytea, p_provider text, p_model text, p_tier text, p_max_input_tokens integer, p_max_output_tokens integer, p_latency_ms numeric) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_threshold numeric := (
        app.effective_setting('ai.routing.confidence.threshold', p_tenant_id, p_org_id, p_user_id) #>> '{}'
    )::numeric;
    v_calibration jsonb;
    v_state record;
    v_hit app.ai_cache;
    v_reservation jsonb;
    v_refused text;
begin
    select c.map into v_calibration
    from app.ai_calibrations as c
    where c.use_case = p_use_case and c.provider = p_provider and c.model = p_model and c.prompt_version = p_prompt_version
    order by c.created_at desc
    limit 1;

    -- A hit serves only when it would have been accepted for this caller: a large answer, or a
    -- small one at least as confident as the caller's threshold asks; and, like any call, only
    -- below 110 % of the budget. Without a hit, ai_reserve judges the budget itself, so each path
    -- reads the budget state once.
    if p_cache_key is not null then
        select c.* into v_hit
        from app.ai_cache as c
        where c.tenant_id = p_tenant_id and c.cache_key = p_cache_key and c.expires_at > app.now();
        if v_hit.tenant_id is not null and (v_hit.tier = 'large' or v_hit.confidence >= v_threshold) then
            select * into v_state from app_private.ai_budget_state(p_tenant_id, p_org_id, p_user_id) as s;
            if v_state.spent_eur + v_state.reserved_eur >= v_state.cap_eur * 1.1
                or v_state.user_used_eur >= v_state.user_cap_eur * 1.1 then
                v_refused := 'exhausted';
            else
                return jsonb_build_object(
                    'threshold', v_threshold,
                    'cached', jsonb_build_object(
                        'result', v_hit.result, 'confidence', v_hit.confidence, 'provider', v_hit.provider,
                        'model', v_hit.model, 'tier', v_hit.tier
                    ),
                    'call_id', app_private.ai_log_call(
                        p_tenant_id, p_org_id, p_user_id, p_use_case, p_prompt_version,
                        jsonb_build_object(
                            'provider', v_hit.provider, 'model', v_hit.model, 'tier', v_hit.tier, 'cached', true,
                            'latency_ms', p_latency_ms, 'confidence', v_hit.confidence, 'outcome', 'ok'
                        )
                    )
                );
            end if;
        end if;
    end if;

    if v_refused is null then
        v_reservation := app_private.ai_reserve(
            p_tenant_id, p_org_id, p_user_id, p_provider, p_model, p_tier, p_max_input_tokens, p_max_output_tokens
        );
        v_refused := v_reservation ->> 'refused';
    end if;
    if v_refused is not null then
        return jsonb_build_object(
            'threshold', v_threshold,
            'refused', v_refused,
            'call_id', app_private.ai_log_call(
                p_tenant_id, p_org_id, p_user_id, p_use_case, p_prompt_version,
                jsonb_build_object('latency_ms', p_latency_ms, 'outcome', 'budget_exhausted')
            )
        );
    end if;
    return jsonb_build_object('threshold', v_threshold, 'calibration', v_calibration, 'reservation', v_reservation);
end
$$;

--
-- Name: FUNCTION ai_begin(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_cache_key bytea, p_provider text, p_model text, p_tier text, p_max_input_tokens integer, p_max_output_tokens integer, p_latency_ms numeric); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.ai_begin(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_cache_key bytea, p_provider text, p_model text, p_tier text, p_max_input_tokens integer, p_max_output_tokens integer, p_latency_ms numeric) IS 'Starts a router call: threshold and calibration, the budget, a cache hit (logged) or the reservation of the first provider call (a refusal is logged).';

--
-- Name: ai_budget_state(uuid, uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.ai_budget_state(p_tenant_id uuid, p_org_id uuid, p_user_id uuid) RETURNS TABLE(month date, cap_eur numeric, spent_eur numeric, reserved_eur numeric, user_cap_eur numeric, user_used_eur numeric)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
    return query
        with m as (
            select
                app.ai_month(p_tenant_id, app.now()) as month,
                (app.effective_setting('ai.budget.monthly.cap', p_tenant_id, p_org_id, null) #>> '{}')::numeric
                    as cap_eur,
                (app.effective_setting('ai.budget.user.monthly.cap', p_tenant_id, p_org_id, p_user_id) #>> '{}')::numeric
                    as user_cap_eur
        )
        select
            m.month,
            m.cap_eur,
            coalesce((
                select b.spent_eur from app.ai_budget_months as b where b.org_id = p_org_id and b.month = m.month
            ), 0),
            coalesce((
                select sum(r.amount_eur)
                from app.ai_reservations as r
                where r.org_id = p_org_id and r.month = m.month and r.settled_at is null and r.expires_at > app.now()
            ), 0),
            m.user_cap_eur,
            -- summed only under a user cap: it reads every call of the user's month
            case when m.user_cap_eur is null then 0 else coalesce((
                select sum(coalesce(r.cost_eur, case when r.expires_at > app.now() then r.amount_eur else 0 end))
                from app.ai_reservations as r
                where r.user_id = p_user_id and r.month = m.month
            ), 0) end
        from m;
end
$$;

--
-- Name: FUNCTION ai_budget_state(p_tenant_id uuid, p_org_id uuid, p_user_id uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.ai_budget_state(p_tenant_id uuid, p_org_id uuid, p_user_id uuid) IS 'The caller''s budget month: organisation cap, settled spend and live reservations; user cap and use.';

--
-- Name: ai_finish(uuid, uuid, uuid, text, text, uuid, jsonb, numeric, jsonb, bytea, jsonb); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.ai_finish(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_reservation_id uuid, p_usage jsonb, p_prior_cost_eur numeric, p_call jsonb, p_cache_key bytea, p_cached jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_cost numeric := coalesce(p_prior_cost_eur, 0);
    v_call_id uuid;
begin
    if p_reservation_id is not null then
        v_cost := v_cost + coalesce(app_private.ai_settle(
            p_reservation_id,
            coalesce((p_usage ->> 'input')::integer, 0), coalesce((p_usage ->> 'cached_input')::integer, 0),
            coalesce((p_usage ->> 'cache_write')::integer, 0), coalesce((p_usage ->> 'output')::integer, 0)
        ), 0);
    end if;
    v_call_id := app_private.ai_log_call(
        p_tenant_id, p_org_id, p_user_id, p_use_case, p_prompt_version,
        p_call || jsonb_build_object('cost_eur', v_cost)
    );
    if p_cache_key is not null and p_cached is not null then
        insert into app.ai_cache (
            tenant_id, cache_key, use_case, result, confidence, provider, model, tier, expires_at
        ) values (
            p_tenant_id, p_cache_key, p_use_case, p_cached -> 'result', round((p_cached ->> 'confidence')::numeric, 4),
            p_cached ->> 'provider', p_cached ->> 'model', p_cached ->> 'tier',
            app.now() + (app.effective_setting('ai.cache.ttl', p_tenant_id, null, null) #>> '{}')::interval
        )
        on conflict (tenant_id, cache_key) do update
        set
            result = excluded.result, confidence = excluded.confidence, provider = excluded.provider,
            model = excluded.model, tier = excluded.tier, created_at = app.now(), expires_at = excluded.expires_at;
    end if;
    return jsonb_build_object('call_id', v_call_id, 'cost_eur', v_cost);
end
$$;

--
-- Name: FUNCTION ai_finish(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_reservation_id uuid, p_usage jsonb, p_prior_cost_eur numeric, p_call jsonb, p_cache_key bytea, p_cached jsonb); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.ai_finish(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_reservation_id uuid, p_usage jsonb, p_prior_cost_eur numeric, p_call jsonb, p_cache_key bytea, p_cached jsonb) IS 'Ends a router call: settles its last reservation, logs the call with its total cost and caches a complete valid answer.';

--
-- Name: ai_housekeeping(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.ai_housekeeping() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_cache integer;
    v_reservations integer;
begin
    delete from app.ai_cache as c where c.expires_at <= app.now();
    get diagnostics v_cache = row_count;
    -- the spend lives on in app.ai_budget_months and app.ai_calls; a reservation is only needed
    -- while its month (and the user cap of it) can still be charged
    delete from app.ai_reservations as r
    where r.month < (date_trunc('month', app.now() at time zone 'UTC') - interval '1 month')::date;
    get diagnostics v_reservations = row_count;
    return jsonb_build_object('cache_entries_deleted', v_cache, 'reservations_deleted', v_reservations);
end
$$;

--
-- Name: FUNCTION ai_housekeeping(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.ai_housekeeping() IS 'Deletes expired AI cache entries and reservations older than last month (scheduled job ai_housekeeping).';

--
-- Name: ai_log_call(uuid, uuid, uuid, text, text, jsonb); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.ai_log_call(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_call jsonb) RETURNS uuid
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    insert into app.ai_calls (
        tenant_id, org_id, user_id, use_case, prompt_version, provider, model, tier, escalated, cached,
        input_tokens, output_tokens, cost_eur, latency_ms, confidence, outcome
    ) values (
        p_tenant_id, p_org_id, p_user_id, p_use_case, p_prompt_version,
        p_call ->> 'provider', p_call ->> 'model', p_call ->> 'tier',
        coalesce((p_call ->> 'escalated')::boolean, false), coalesce((p_call ->> 'cached')::boolean, false),
        coalesce((p_call ->> 'input_tokens')::integer, 0), coalesce((p_call ->> 'output_tokens')::integer, 0),
        coalesce((p_call ->> 'cost_eur')::numeric, 0), coalesce((p_call ->> 'latency_ms')::numeric, 0),
        round((p_call ->> 'confidence')::numeric, 4), p_call ->> 'outcome'
    )
    returning id
$$;

--
-- Name: FUNCTION ai_log_call(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_call jsonb); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.ai_log_call(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_call jsonb) IS 'Writes one row of the AI call log (provider, model, tier, escalated, cached, tokens, cost_eur, latency_ms, confidence, outcome from p_call).';

--
-- Name: ai_priced_models(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.ai_priced_models() RETURNS TABLE(provider text, model text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select distinct p.provider, p.model
    from app.ai_model_prices as p
    where p.valid_from <= (app.now() at time zone 'UTC')::date
$$;

--
-- Name: FUNCTION ai_priced_models(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.ai_priced_models() IS 'Models with a price in effect today.';

--
-- Name: ai_process_settings(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.ai_process_settings() RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select jsonb_build_object(
        'rpm', (app.effective_setting('ai.provider.rpm', null, null, null) #>> '{}')::integer,
        'threshold', (app.effective_setting('ai.routing.confidence.threshold', null, null, null) #>> '{}')::numeric,
        'cooldown_seconds', extract(
            epoch from (app.effective_setting('ai.routing.demotion.cooldown', null, null, null) #>> '{}')::interval
        )
    )
$$;

--
-- Name: FUNCTION ai_process_settings(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.ai_process_settings() IS 'ai.provider.rpm, ai.routing.demotion.cooldown (in seconds) and the global confidence threshold.';

--
-- Name: ai_reserve(uuid, uuid, uuid, text, text, text, integer, integer); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.ai_reserve(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_provider text, p_model text, p_tier text, p_max_input_tokens integer, p_max_output_tokens integer) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_month date := app.ai_month(p_tenant_id, app.now());
    v_amount numeric;
    v_state record;
    v_share numeric := case p_tier when 'large' then 1.0 else 1.1 end;
    v_id uuid;
begin
    if p_tier is null or p_tier not in ('small', 'large') then
        raise exception 'unknown tier %', p_tier using errcode = 'invalid_parameter_value';
    end if;
    v_amount := app.ai_cost_eur(
        p_provider, p_model, (app.now() at time zone 'UTC')::date, p_max_input_tokens, 0, 0, p_max_output_tokens
    );
    if v_amount is null then
        perform app.raise_error('FP1006', 503, format('The AI model %s has no price.', p_model), 'model');
    end if;
    insert into app.ai_budget_months (org_id, tenant_id, month)
    values (p_org_id, p_tenant_id, v_month)
    on conflict (org_id, month) do nothing;
    perform from app.ai_budget_months as b where b.org_id = p_org_id and b.month = v_month for update;
    select * into v_state from app_private.ai_budget_state(p_tenant_id, p_org_id, p_user_id) as s;
    if v_state.spent_eur + v_state.reserved_eur + v_amount > v_state.cap_eur * v_share
        or v_state.user_used_eur + v_amount > v_state.user_cap_eur * v_share then
        return jsonb_build_object(
            'refused',
            case
                when v_state.spent_eur + v_state.reserved_eur >= v_state.cap_eur * 1.1
                    or v_state.user_used_eur >= v_state.user_cap_eur * 1.1 then 'exhausted'
                when p_tier = 'large' then 'small_only'
                else 'exhausted'
            end
        );
    end if;
    insert into app.ai_reservations (
        tenant_id, org_id, user_id, month, provider, model, amount_eur, expires_at
    ) values (
        p_tenant_id, p_org_id, p_user_id, v_month, p_provider, p_model, v_amount, app.now() + interval '10 minutes'
    )
    returning id into v_id;
    return jsonb_build_object('id', v_id, 'amount_eur', v_amount);
end
$$;

--
-- Name: FUNCTION ai_reserve(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_provider text, p_model text, p_tier text, p_max_input_tokens integer, p_max_output_tokens integer); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.ai_reserve(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_provider text, p_model text, p_tier text, p_max_input_tokens integer, p_max_output_tokens integer) IS 'Reserves the worst case of one provider call against the organisation''s and user''s month, or refuses (small_only: the large tier would pass 100 %; exhausted: the call would pass 110 %).';

--
-- Name: ai_settle(uuid, integer, integer, integer, integer); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.ai_settle(p_reservation_id uuid, p_input_tokens integer, p_cached_input_tokens integer, p_cache_write_tokens integer, p_output_tokens integer) RETURNS numeric
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_reservation app.ai_reservations;
    v_cost numeric;
begin
    select r.* into v_reservation
    from app.ai_reservations as r
    where r.id = p_reservation_id and r.settled_at is null
    for update;
    if v_reservation.id is null then
        return null;
    end if;
    v_cost := coalesce(app.ai_cost_eur(
        v_reservation.provider, v_reservation.model, (v_reservation.created_at at time zone 'UTC')::date,
        greatest(p_input_tokens, 0), greatest(p_cached_input_tokens, 0), greatest(p_cache_write_tokens, 0),
        greatest(p_output_tokens, 0)
    ), 0);
    update app.ai_budget_months as b
    set spent_eur = b.spent_eur + v_cost
    where b.org_id = v_reservation.org_id and b.month = v_reservation.month;
    update app.ai_reservations as r
    set settled_at = app.now(), cost_eur = v_cost
    where r.id = p_reservation_id;
    return v_cost;
end
$$;

--
-- Name: FUNCTION ai_settle(p_reservation_id uuid, p_input_tokens integer, p_cached_input_tokens integer, p_cache_write_tokens integer, p_output_tokens integer); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.ai_settle(p_reservation_id uuid, p_input_tokens integer, p_cached_input_tokens integer, p_cache_write_tokens integer, p_output_tokens integer) IS 'Settles a reservation with the call''s real usage (uncached input, cached input, cache writes, output) and returns the cost in EUR; null when it was settled before.';

--
-- Name: ai_store_calibration(text, text, text, text, jsonb, jsonb); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.ai_store_calibration(p_use_case text, p_provider text, p_model text, p_prompt_version text, p_map jsonb, p_report jsonb) RETURNS uuid
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    insert into app.ai_calibrations (use_case, provider, model, prompt_version, map, report)
    values (p_use_case, p_provider, p_model, p_prompt_version, p_map, p_report)
    returning id
$$;

--
-- Name: FUNCTION ai_store_calibration(p_use_case text, p_provider text, p_model text, p_prompt_version text, p_map jsonb, p_report jsonb); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.ai_store_calibration(p_use_case text, p_provider text, p_model text, p_prompt_version text, p_map jsonb, p_report jsonb) IS 'Stores a fitted calibration map with its report (freshplan ai calibrate).';

--
-- Name: ai_usage_cost(text, text, integer, integer, integer, integer); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.ai_usage_cost(p_provider text, p_model text, p_input integer, p_cached_input integer, p_cache_write integer, p_output integer) RETURNS numeric
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select app.ai_cost_eur(
        p_provider, p_model, (app.now() at time zone 'UTC')::date, p_input, p_cached_input, p_cache_write, p_output
    )
$$;

--
-- Name: FUNCTION ai_usage_cost(p_provider text, p_model text, p_input integer, p_cached_input integer, p_cache_write integer, p_output integer); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.ai_usage_cost(p_provider text, p_model text, p_input integer, p_cached_input integer, p_cache_write integer, p_output integer) IS 'EUR of a usage (uncached input, cached input, cache writes, output) at today''s price of a model.';

--
-- Name: alert_conditions(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.alert_conditions() RETURNS TABLE(tenant_id uuid, alert text, subject text, severity text, value double precision, threshold double precision)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    with sample as materialized (
        select
            m.metric,
            m.labels ->> 'tenant' as tenant,
            m.labels,
            m.value
        from app_private.metric_samples() as m
    ),

    threshold as (
        select
            s.tenant,
            s.labels ->> 'setting' as setting,
            s.value
        from sample as s
        where s.metric = 'freshplan_alert_threshold'
    ),

    firing as (
        select
            s.tenant,
            'LeadProtectionHighExpiry' as alert,
            '' as subject,
            'warning' as severity,
            s.value,
            t.value as threshold
        from sample as s
        inner join threshold as t on s.tenant = t.tenant and t.setting = 'alert.leadProtection.expiriesPerDay'
        where s.metric = 'freshplan_lead_protection_expiries_day' and s.value > t.value

        union all
        select
            s.tenant,
            'AiBudgetExceeded',
            s.labels ->> 'org',
            case when s.value >= c.value then 'critical' else 'warning' end,
            s.value,
            case when s.value >= c.value then c.value else w.value end
        from sample as s
        inner join threshold as w on s.tenant = w.tenant and w.setting = 'alert.aiBudget.warnPercent'
        inner join threshold as c on s.tenant = c.tenant and c.setting = 'alert.aiBudget.criticalPercent'
        where s.metric = 'freshplan_ai_budget_used_percent' and (s.value >= w.value or s.value >= c.value)

        union all
        select
            s.tenant,
            'CreditCheckSLAViolation',
            '',
            'warning',
            s.value,
            t.value
        from sample as s
        inner join threshold as t on s.tenant = t.tenant and t.setting = 'alert.creditCheck.maxMs'
        where s.metric = 'freshplan_credit_check_p95_ms' and s.value > t.value

        union all
        select
            s.tenant,
            'JobBacklogHigh',
            s.labels ->> 'kind',
            'warning',
            s.value,
            t.value
        from sample as s
        inner join threshold as t on s.tenant = t.tenant and t.setting = 'alert.jobBacklog.max'
        where s.metric = 'freshplan_integration_jobs_backlog' and s.value > t.value

        union all
        select
            s.tenant,
            'IntegrationDown',
            s.labels ->> 'connector',
            'critical',
            s.value,
            t.value * 60
        from sample as s
        inner join threshold as t on s.tenant = t.tenant and t.setting = 'alert.integrationDown.minutes'
        where s.metric = 'freshplan_integration_down_seconds' and s.value > t.value * 60

        -- the scheduled jobs serve every tenant: each tenant hears of one that stopped
        union all
        select
            tn.slug,
            'JobHeartbeatMissing',
            a.labels ->> 'job',
            'critical',
            a.value,
            i.value * t.value + 60
        from sample as a
        inner join sample as i on i.metric = 'freshplan_job_heartbeat_interval_seconds' and a.labels = i.labels
        inner join threshold as t on t.tenant is null and t.setting = 'alert.jobHeartbeat.missedRuns'
        cross join app.tenants as tn
        where a.metric = 'freshplan_job_heartbeat_age_seconds' and a.value > i.value * t.value + 60
    )

    select
        tn.id,
        f.alert,
        f.subject,
        f.severity,
        f.value,
        f.threshold
    from firing as f
    inner join app.tenants as tn on f.tenant = tn.slug
$$;

--
-- Name: FUNCTION alert_conditions(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.alert_conditions() IS 'The alerts firing now per tenant (what, severity, value, threshold): deploy/prometheus/alerts.yml in SQL.';

--
-- Name: alert_text(text, text, double precision, double precision); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.alert_text(p_alert text, p_subject text, p_value double precision, p_threshold double precision) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
    select case p_alert
        when 'LeadProtectionHighExpiry' then
            format('Heute sind %s Leadschutz-Zyklen abgelaufen (Schwelle %s).', p_value, p_threshold)
        when 'AiBudgetExceeded' then
            format('Die Organisation %s hat %s %% ihres monatlichen KI-Budgets verbraucht (Schwelle %s %%).',
                p_subject, round(p_value::numeric, 1), p_threshold)
        when 'CreditCheckSLAViolation' then
            format('Die Bonitätsabfragen bei Allianz Trade brauchen heute im 95. Perzentil %s ms (Schwelle %s ms).',
                round(p_value::numeric), p_threshold)
        when 'JobBacklogHigh' then
            format('%s Aufträge der Art %s warten oder laufen (Schwelle %s).', p_value, p_subject, p_threshold)
        when 'IntegrationDown' then
            format('Die Anbindung %s ist seit %s Minuten gestört (Schwelle %s Minuten).',
                p_subject, round(p_value::numeric / 60), round(p_threshold::numeric / 60))
        when 'JobHeartbeatMissing' then
            format('Der geplante Job %s war seit %s Minuten nicht erfolgreich (Schwelle %s Minuten).',
                p_subject, round(p_value::numeric / 60), round(p_threshold::numeric / 60))
    end
    || ' Runbook: docs/operations.md, Abschnitt ' || p_alert || '.'
$$;

--
-- Name: FUNCTION alert_text(p_alert text, p_subject text, p_value double precision, p_threshold double precision); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.alert_text(p_alert text, p_subject text, p_value double precision, p_threshold double precision) IS 'The German body of an alert notice.';

--
-- Name: kpi_daily; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.kpi_daily (
    tenant_id uuid NOT NULL,
    day date NOT NULL,
    leads_active integer,
    leads_grace integer,
    leads_expired integer,
    leads_unassigned integer,
    registrations integer DEFAULT 0 NOT NULL,
    expiries integer DEFAULT 0 NOT NULL,
    releases integer DEFAULT 0 NOT NULL,
    holds_by_reason jsonb DEFAULT '{}'::jsonb NOT NULL,
    feedback_links_sent integer DEFAULT 0 NOT NULL,
    feedback_answered integer DEFAULT 0 NOT NULL,
    ai_calls_small integer DEFAULT 0 NOT NULL,
    ai_calls_large integer DEFAULT 0 NOT NULL,
    ai_cache_hits integer DEFAULT 0 NOT NULL,
    ai_cost_eur numeric(14,4) DEFAULT 0 NOT NULL,
    credit_calls integer DEFAULT 0 NOT NULL,
    credit_p50_ms numeric(12,3),
    credit_p95_ms numeric(12,3),
    job_backlog jsonb DEFAULT '{}'::jsonb NOT NULL,
    computed_at timestamp with time zone NOT NULL,
    final boolean DEFAULT false NOT NULL,
    transfers integer DEFAULT 0 NOT NULL,
    CONSTRAINT kpi_daily_backlog_object CHECK ((jsonb_typeof(job_backlog) = 'object'::text)),
    CONSTRAINT kpi_daily_holds_object CHECK ((jsonb_typeof(holds_by_reason) = 'object'::text))
);

--
-- Name: TABLE kpi_daily; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.kpi_daily IS 'One row per tenant and day (the tenant''s time zone): lead counts by status as last taken that day, the day''s events, and the state of holds and the job queue. Written by app_private.snapshot_kpis (pg_cron).';

--
-- Name: COLUMN kpi_daily.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.tenant_id IS 'Tenant.';

--
-- Name: COLUMN kpi_daily.day; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.day IS 'The day, in the tenant''s time zone (tenant.timezone).';

--
-- Name: COLUMN kpi_daily.leads_active; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.leads_active IS 'Leads ACTIVE at the last snapshot of the day; null: none was taken.';

--
-- Name: COLUMN kpi_daily.leads_grace; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.leads_grace IS 'Leads in GRACE at the last snapshot of the day.';

--
-- Name: COLUMN kpi_daily.leads_expired; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.leads_expired IS 'Leads EXPIRED at the last snapshot: released to the pool, or past their grace and about to be.';

--
-- Name: COLUMN kpi_daily.leads_unassigned; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.leads_unassigned IS 'Leads UNASSIGNED (never owned) at the last snapshot.';

--
-- Name: COLUMN kpi_daily.registrations; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.registrations IS 'Protection cycles opened that day by a registration or a claim.';

--
-- Name: COLUMN kpi_daily.expiries; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.expiries IS 'Protection cycles whose protection ended that day by expiry.';

--
-- Name: COLUMN kpi_daily.releases; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.releases IS 'Leads released to the pool that day (their cycle closed by expiry).';

--
-- Name: COLUMN kpi_daily.holds_by_reason; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.holds_by_reason IS 'Approved holds running at the snapshot (at the day''s end once final), by reason.';

--
-- Name: COLUMN kpi_daily.feedback_links_sent; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.feedback_links_sent IS 'Feedback links created that day.';

--
-- Name: COLUMN kpi_daily.feedback_answered; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.feedback_answered IS 'Feedback submissions received that day.';

--
-- Name: COLUMN kpi_daily.ai_calls_small; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.ai_calls_small IS 'AI calls answered by a small model that day (cache hits apart).';

--
-- Name: COLUMN kpi_daily.ai_calls_large; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.ai_calls_large IS 'AI calls answered by a large model that day (cache hits apart).';

--
-- Name: COLUMN kpi_daily.ai_cache_hits; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.ai_cache_hits IS 'AI router calls answered from the cache that day.';

--
-- Name: COLUMN kpi_daily.ai_cost_eur; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.ai_cost_eur IS 'EUR charged for AI calls that day.';

--
-- Name: COLUMN kpi_daily.credit_calls; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.credit_calls IS 'Calls to Allianz Trade that day.';

--
-- Name: COLUMN kpi_daily.credit_p50_ms; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.credit_p50_ms IS 'Their median duration (ms).';

--
-- Name: COLUMN kpi_daily.credit_p95_ms; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.credit_p95_ms IS 'Their 95th percentile duration (ms).';

--
-- Name: COLUMN kpi_daily.job_backlog; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.job_backlog IS 'Jobs of the tenant waiting or running at the snapshot, by kind (today only).';

--
-- Name: COLUMN kpi_daily.computed_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.computed_at IS 'When the row was last computed.';

--
-- Name: COLUMN kpi_daily.final; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.final IS 'Whether the day is over and its events were counted in full.';

--
-- Name: COLUMN kpi_daily.transfers; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_daily.transfers IS 'Protection cycles closed that day by a transfer to another rep.';

--
-- Name: analyst_kpi_daily(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.analyst_kpi_daily() RETURNS SETOF app.kpi_daily
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select k.* from app.kpi_daily as k where k.tenant_id = app_private.analyst_tenant()
$$;

--
-- Name: FUNCTION analyst_kpi_daily(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.analyst_kpi_daily() IS 'The daily KPI rows of the analyst''s tenant.';

--
-- Name: analyst_limit_seconds(text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.analyst_limit_seconds(p_login text) RETURNS integer
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select (app.effective_setting('reporting.maxQuerySeconds', a.tenant_id, null, null) #>> '{}')::integer
    from app.analysts as a where a.role_name = p_login
$$;

--
-- Name: FUNCTION analyst_limit_seconds(p_login text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.analyst_limit_seconds(p_login text) IS 'The query time limit of an analyst login, in seconds.';

--
-- Name: kpi_rep_weekly; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.kpi_rep_weekly (
    tenant_id uuid NOT NULL,
    week date NOT NULL,
    rep_id uuid NOT NULL,
    registrations integer DEFAULT 0 NOT NULL,
    qualifying_activities integer DEFAULT 0 NOT NULL,
    expiries integer DEFAULT 0 NOT NULL,
    computed_at timestamp with time zone NOT NULL,
    CONSTRAINT kpi_rep_weekly_monday CHECK ((EXTRACT(isodow FROM week) = (1)::numeric))
);

--
-- Name: TABLE kpi_rep_weekly; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.kpi_rep_weekly IS 'Per rep and ISO week (the tenant''s time zone): registrations, qualifying activities logged and expiries of the rep''s protection cycles. Written with the daily snapshot; no names, no contact data.';

--
-- Name: COLUMN kpi_rep_weekly.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_rep_weekly.tenant_id IS 'Tenant.';

--
-- Name: COLUMN kpi_rep_weekly.week; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_rep_weekly.week IS 'The Monday of the week.';

--
-- Name: COLUMN kpi_rep_weekly.rep_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_rep_weekly.rep_id IS 'The rep (the cycle''s owner), by id only.';

--
-- Name: COLUMN kpi_rep_weekly.registrations; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_rep_weekly.registrations IS 'Protection cycles the rep opened by a registration or claim.';

--
-- Name: COLUMN kpi_rep_weekly.qualifying_activities; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_rep_weekly.qualifying_activities IS 'Activities of a progress kind logged in the rep''s cycles.';

--
-- Name: COLUMN kpi_rep_weekly.expiries; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_rep_weekly.expiries IS 'The rep''s cycles that ended by expiry.';

--
-- Name: COLUMN kpi_rep_weekly.computed_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.kpi_rep_weekly.computed_at IS 'When the row was last computed.';

--
-- Name: analyst_rep_weekly(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.analyst_rep_weekly() RETURNS SETOF app.kpi_rep_weekly
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select w.* from app.kpi_rep_weekly as w where w.tenant_id = app_private.analyst_tenant()
$$;

--
-- Name: FUNCTION analyst_rep_weekly(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.analyst_rep_weekly() IS 'The weekly per-rep rows of the analyst''s tenant.';

--
-- Name: analyst_tenant(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.analyst_tenant() RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select a.tenant_id from app.analysts as a where a.role_name = session_user
$$;

--
-- Name: FUNCTION analyst_tenant(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.analyst_tenant() IS 'The tenant of the analyst login of this session (session_user, which SET ROLE does not change); null for others.';

--
-- Name: apply_analyst_settings(text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.apply_analyst_settings(p_login text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
    execute format('alter role %I set default_transaction_read_only = on', p_login);
    execute format('alter role %I set statement_timeout = %L', p_login, app_private.analyst_limit_seconds(p_login) || 's');
    execute format('alter role %I set idle_in_transaction_session_timeout = %L', p_login, '10min');
end
$$;

--
-- Name: FUNCTION apply_analyst_settings(p_login text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.apply_analyst_settings(p_login text) IS 'Sets an analyst login''s session defaults: read-only, statement_timeout = its limit, idle transactions ended.';

--
-- Name: assign_inbound_mail(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.assign_inbound_mail(p_mail_id uuid, p_lead_id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_mail app.inbound_mails;
begin
    perform app.require_role(array['sales_manager']);
    if not exists (
        select from app.leads as l where l.id = p_lead_id and l.tenant_id = app.current_tenant_id()
    ) then
        perform app.raise_error('FP305', 404, 'The lead does not exist.', 'lead_id');
    end if;
    select m.* into v_mail from app.inbound_mails as m
    where m.id = p_mail_id and m.tenant_id = app.current_tenant_id()
    for update;
    if v_mail.id is null then
        perform app.raise_error('FP831', 404, 'The inbound mail does not exist.', 'mail_id');
    end if;
    if v_mail.lead_id is not null then
        perform app.raise_error('FP832', 409, 'The mail belongs to a lead already.', 'mail_id');
    end if;
    update app.inbound_mails as m
    set lead_id = p_lead_id, matched_by = 'manager', assigned_by = app.current_user_id()
    where m.id = v_mail.id
    returning * into v_mail;
    perform app_private.log_mail_received(v_mail);
    perform app_private.queue_mail_classification(v_mail);
    -- no sender address: audit JSON holds no personal data
    perform app_private.write_audit(
        v_mail.tenant_id, 'inbound_mail.assigned', 'inbound_mail', v_mail.id, p_lead_id, null,
        jsonb_build_object('lead_id', p_lead_id), null, false
    );
end
$$;

--
-- Name: FUNCTION assign_inbound_mail(p_mail_id uuid, p_lead_id uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.assign_inbound_mail(p_mail_id uuid, p_lead_id uuid) IS 'A manager assigns an unmatched mail of the tenant to a lead of the tenant; logged and audited.';

--
-- Name: audit(uuid, text, text, uuid, uuid, jsonb, jsonb, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.audit(p_tenant_id uuid, p_action text, p_entity_type text, p_entity_id uuid, p_lead_id uuid, p_before jsonb, p_after jsonb, p_reason text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_stack text;
begin
    get diagnostics v_stack = pg_context;
    perform app_private.require_our_caller(v_stack);
    if app.current_tenant_id() is not null and p_tenant_id is distinct from app.current_tenant_id() then
        raise exception 'audit entries are written for the caller''s tenant only'
            using errcode = 'insufficient_privilege';
    end if;
    perform app_private.write_audit(
        p_tenant_id, p_action, p_entity_type, p_entity_id, p_lead_id, p_before, p_after, p_reason, false
    );
end
$$;

--
-- Name: FUNCTION audit(p_tenant_id uuid, p_action text, p_entity_type text, p_entity_id uuid, p_lead_id uuid, p_before jsonb, p_after jsonb, p_reason text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.audit(p_tenant_id uuid, p_action text, p_entity_type text, p_entity_id uuid, p_lead_id uuid, p_before jsonb, p_after jsonb, p_reason text) IS 'Appends one audit entry by the calling user, for their own tenant; only our functions may call it.';

--
-- Name: backdate_lead(uuid, timestamp with time zone, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.backdate_lead(p_lead_id uuid, p_registered_at timestamp with time zone, p_reason text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_lead app.leads;
begin
    perform app.require_role(array['sales_manager']);
    v_lead := app_private.my_tenants_lead(p_lead_id);
    if v_lead.owner_id is null then
        perform app.raise_error('FP310', 409, 'The lead is in the pool; there is no registration to backdate.', 'lead_id');
    end if;
    if p_registered_at is null
        or p_registered_at >= v_lead.registered_at
        or p_registered_at > app.now()
        or p_registered_at < v_lead.created_at - interval '365 days' then
        perform app.raise_error(
            'FP705', 422,
            format(
                'registered_at must be earlier than %s and not before %s.',
                app.format_day(v_lead.registered_at), app.format_day(v_lead.created_at - interval '365 days')
            ),
            'registered_at'
        );
    end if;
    update app.lead_assignments set registered_at = p_registered_at where id = v_lead.assignment_id;
    perform app_private.write_audit(
        v_lead.tenant_id, 'lead.registration_backdated', 'lead', v_lead.id, v_lead.id,
        jsonb_build_object('registered_at', v_lead.registered_at), jsonb_build_object('registered_at', p_registered_at),
        p_reason, false
    );
end
$$;

--
-- Name: FUNCTION backdate_lead(p_lead_id uuid, p_registered_at timestamp with time zone, p_reason text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.backdate_lead(p_lead_id uuid, p_registered_at timestamp with time zone, p_reason text) IS 'Moves the registration of the current cycle earlier (managers of the lead''s tenant).';

--
-- Name: cancel_long_analyst_queries(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.cancel_long_analyst_queries() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_login text;
    v_ended integer;
begin
    select count(*) into v_ended from app_private.end_overrunning_analyst_sessions();
    for v_login in select a.role_name from app.analysts as a order by a.role_name loop
        perform app_private.apply_analyst_settings(v_login);
    end loop;
    return jsonb_build_object('ended', v_ended);
end
$$;

--
-- Name: FUNCTION cancel_long_analyst_queries(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.cancel_long_analyst_queries() IS 'The watchdog job (pg_cron, on the primary): ends analyst sessions over reporting.maxQuerySeconds or holding an advisory lock (end_overrunning_analyst_sessions), and sets the logins'' session defaults again.';

--
-- Name: cancel_sales_order(uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.cancel_sales_order(p_order_id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_order app.sales_orders;
    v_lead app.leads;
begin
    select o.* into v_order from app.sales_orders as o
    where o.id = p_order_id and o.tenant_id = app.current_tenant_id();
    -- lead before order: the order every order path locks in
    select l.* into v_lead from app.leads as l where l.id = v_order.lead_id for update;
    select o.* into v_order from app.sales_orders as o where o.id = p_order_id for update;
    if v_order.id is null or app.current_web_role() = 'sales_rep' and not app.rep_can_read(v_order.lead_id) then
        perform app.raise_error('FP827', 404, 'The sales order does not exist.', 'order_id');
    end if;
    perform app.require_owner_or_manager(v_lead);
    if v_order.state <> 'PENDING' or v_order.submission_started_at is not null then
        perform app.raise_error(
            'FP828', 409, 'The order was sent to Xentral already (or has ended): cancel it in Xentral.', 'order_id'
        );
    end if;
    update app.sales_orders as o set state = 'CANCELLED' where o.id = v_order.id;
    update app.jobs as j set state = 'CANCELLED', finished_at = pg_catalog.now()
    where j.kind = 'xentral.order' and j.payload ->> 'order_id' = v_order.id::text and j.state = 'PENDING';
    perform app_private.write_audit(
        v_order.tenant_id, 'sales_order.cancelled', 'sales_order', v_order.id, v_order.lead_id,
        jsonb_build_object('state', 'PENDING'), jsonb_build_object('state', 'CANCELLED'), null, false
    );
end
$$;

--
-- Name: FUNCTION cancel_sales_order(p_order_id uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.cancel_sales_order(p_order_id uuid) IS 'Cancels an unsent PENDING order of a lead of the caller''s tenant (owner or manager) and its job; audited.';

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
    -- Tokens live at most 24 hours (SPEC 10.2), plus PostgREST's 30 s clock leeway on exp.
    v_max_lifetime_seconds constant numeric := 24 * 3600 + 30;
    v_exp numeric := case
        when pg_catalog.jsonb_typeof(v_claims -> 'exp') = 'number' then (v_claims ->> 'exp')::numeric
    end;
begin
    -- No token: the request runs as web_anon, which can read nothing.
    if v_claims ->> 'role' is null or v_claims ->> 'role' = 'web_anon' then
        return;
    end if;
    -- PostgREST refuses an expired token itself but accepts one without exp or for years.
    -- Measured against the real clock like PostgREST's own check, not app.now(), which tests
    -- may fix at another date.
    if v_exp is null or v_exp > extract(epoch from pg_catalog.now()) + v_max_lifetime_seconds then
        perform app.raise_error(
            'FP104', 401, 'This token is not accepted: it must expire within 24 hours.',
            'The token has no exp claim, or its exp lies more than 24 hours ahead.',
            'Get a new token (freshplan token --ttl at most 24h) and sign in again.'
        );
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

COMMENT ON FUNCTION app_private.check_request() IS 'PostgREST db-pre-request (and the API service before user calls): rejects tokens without exp or valid for more than 24 hours, and tokens whose sub is not an active user of that tenant, organisation and role, so deactivation acts at once.';

--
-- Name: lead_assignments; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.lead_assignments (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    owner_id uuid NOT NULL,
    registered_at timestamp with time zone NOT NULL,
    open_reason text NOT NULL,
    opened_at timestamp with time zone DEFAULT app.now() NOT NULL,
    opened_by uuid,
    closed_at timestamp with time zone,
    closed_by uuid,
    release_reason text,
    protection_ended_at timestamp with time zone,
    CONSTRAINT lead_assignments_closed_consistent CHECK ((((closed_at IS NULL) = (release_reason IS NULL)) AND ((release_reason = ANY (ARRAY['EXPIRED'::text, 'EXPIRED_NOW'::text])) = (protection_ended_at IS NOT NULL)))),
    CONSTRAINT lead_assignments_open_reason_known CHECK ((open_reason = ANY (ARRAY['REGISTERED'::text, 'CLAIMED'::text, 'TRANSFERRED'::text, 'ASSIGNED'::text]))),
    CONSTRAINT lead_assignments_release_reason_known CHECK ((release_reason = ANY (ARRAY['EXPIRED'::text, 'EXPIRED_NOW'::text, 'TRANSFERRED'::text])))
);

--
-- Name: TABLE lead_assignments; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.lead_assignments IS 'Ownership history: one row per protection cycle. At most one is open per lead.';

--
-- Name: COLUMN lead_assignments.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_assignments.id IS 'Assignment id.';

--
-- Name: COLUMN lead_assignments.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_assignments.tenant_id IS 'Tenant.';

--
-- Name: COLUMN lead_assignments.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_assignments.lead_id IS 'Lead.';

--
-- Name: COLUMN lead_assignments.owner_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_assignments.owner_id IS 'Owner during this cycle.';

--
-- Name: COLUMN lead_assignments.registered_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_assignments.registered_at IS 'Start of protection (may be backdated by a manager).';

--
-- Name: COLUMN lead_assignments.open_reason; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_assignments.open_reason IS 'REGISTERED, CLAIMED, TRANSFERRED or ASSIGNED (by a manager).';

--
-- Name: COLUMN lead_assignments.opened_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_assignments.opened_at IS 'When the row was written.';

--
-- Name: COLUMN lead_assignments.opened_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_assignments.opened_by IS 'Who opened it (the owner, or a manager).';

--
-- Name: COLUMN lead_assignments.closed_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_assignments.closed_at IS 'When the cycle ended; null while open.';

--
-- Name: COLUMN lead_assignments.closed_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_assignments.closed_by IS 'Who ended it; null for the system.';

--
-- Name: COLUMN lead_assignments.release_reason; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_assignments.release_reason IS 'EXPIRED (deadline), EXPIRED_NOW (manager), TRANSFERRED.';

--
-- Name: COLUMN lead_assignments.protection_ended_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.lead_assignments.protection_ended_at IS 'When protection ended for an expiry (the claim cooldown counts from here).';

--
-- Name: close_assignment(uuid, text, timestamp with time zone, boolean); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.close_assignment(p_lead_id uuid, p_release_reason text, p_protection_ended_at timestamp with time zone, p_as_system boolean) RETURNS app.lead_assignments
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_now timestamptz := app.now();
    v_assignment app.lead_assignments;
begin
    update app.lead_assignments
    set
        closed_at = v_now,
        closed_by = case when not p_as_system then app.current_user_id() end,
        release_reason = p_release_reason,
        protection_ended_at = p_protection_ended_at
    where lead_id = p_lead_id and closed_at is null
    returning * into v_assignment;
    -- holds of the cycle end with it; undecided ones will never be decided
    update app.holds
    set end_at = greatest(v_now, start_at + interval '1 microsecond')
    where assignment_id = v_assignment.id and state = 'APPROVED' and (end_at is null or end_at > v_now);
    update app.holds
    set state = 'REJECTED', decided_at = v_now, decision_note = 'Protection cycle ended.'
    where assignment_id = v_assignment.id and state = 'PENDING';
    update app.extension_requests
    set state = 'REJECTED', decided_at = v_now, decision_note = 'Protection cycle ended.'
    where assignment_id = v_assignment.id and state = 'PENDING';
    return v_assignment;
end
$$;

--
-- Name: FUNCTION close_assignment(p_lead_id uuid, p_release_reason text, p_protection_ended_at timestamp with time zone, p_as_system boolean); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.close_assignment(p_lead_id uuid, p_release_reason text, p_protection_ended_at timestamp with time zone, p_as_system boolean) IS 'Closes the open assignment of a lead, ends its approved holds and drops undecided requests.';

--
-- Name: close_capped_holds(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.close_capped_holds() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_closed integer;
begin
    -- Lock the leads first, in id order, as the api functions do (lead, then hold): no deadlock.
    perform
    from app.leads as l
    where l.id in (
        select h.lead_id
        from app.holds as h
        inner join app.protection_configs as c on h.tenant_id = c.tenant_id
        where
            h.state = 'APPROVED' and h.end_at is null
            and h.start_at + make_interval(secs => 86400 * (c.hold_max_days ->> h.reason)::integer) <= app.now()
    )
    order by l.id
    for update;
    with capped as (
        update app.holds as h
        set end_at = h.start_at + make_interval(secs => 86400 * (c.hold_max_days ->> h.reason)::integer)
        from app.protection_configs as c
        where
            h.tenant_id = c.tenant_id and h.state = 'APPROVED' and h.end_at is null
            and h.start_at + make_interval(secs => 86400 * (c.hold_max_days ->> h.reason)::integer) <= app.now()
        returning h.id, h.tenant_id, h.lead_id, h.end_at
    )

    insert into app.audit_log (tenant_id, action, entity_type, entity_id, lead_id, after, reason)
    select
        capped.tenant_id, 'lead.hold_ended', 'hold', capped.id, capped.lead_id,
        jsonb_build_object('end_at', capped.end_at), 'The hold reached its maximum length.'
    from capped;
    get diagnostics v_closed = row_count;
    return jsonb_build_object('closed', v_closed);
end
$$;

--
-- Name: FUNCTION close_capped_holds(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.close_capped_holds() IS 'Closes approved open holds that reached their cap (audited).';

--
-- Name: collaborator_role(uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.collaborator_role(p_lead_id uuid) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select c.role from app.collaborators as c
    where c.lead_id = p_lead_id and c.user_id = app.current_user_id()
$$;

--
-- Name: FUNCTION collaborator_role(p_lead_id uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.collaborator_role(p_lead_id uuid) IS 'The caller''s collaborator role on a lead, or null.';

--
-- Name: connector_health(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.connector_health() RETURNS TABLE(connector text, state text, last_success_at timestamp with time zone, last_error_at timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select
        c.connector,
        app.connector_state(
            c.configured, s.last_success_at, s.last_error_at,
            app.connector_troubled(c.connector, null, s.last_success_at)
        ),
        s.last_success_at,
        s.last_error_at
    from app.connectors as c
    left join lateral (
        select max(cs.last_success_at) as last_success_at, max(cs.last_error_at) as last_error_at
        from app.connector_states as cs
        where cs.connector = c.connector
    ) as s on true
    order by c.connector
$$;

--
-- Name: FUNCTION connector_health(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.connector_health() IS 'Each connector''s state over all tenants, for /health (no error texts).';

--
-- Name: create_analyst(text, text, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.create_analyst(p_login text, p_tenant_slug text, p_verifier text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
    v_tenant uuid := (select t.id from app.tenants as t where t.slug = p_tenant_slug);
begin
    if p_login is null or p_login !~ '^[a-z][a-z0-9_]{2,39}$' then
        raise exception 'an analyst login is 3 to 40 lower-case letters, digits or _, starting with a letter'
            using errcode = 'invalid_parameter_value';
    end if;
    if v_tenant is null then
        raise exception 'no tenant %', p_tenant_slug using errcode = 'invalid_parameter_value';
    end if;
    if exists (select from pg_catalog.pg_roles as r where r.rolname = p_login) then
        raise exception 'the role % exists already', p_login using errcode = 'duplicate_object';
    end if;
    -- anything else PostgreSQL would take for a plain password and hash as one
    if p_verifier is null or p_verifier !~ '^SCRAM-SHA-256\$[0-9]{4,7}:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$'
    then
        raise exception 'the password must come as a SCRAM-SHA-256 verifier' using errcode = 'invalid_parameter_value';
    end if;
    execute format(
        'create role %I login connection limit 5 password %L in role reporting_reader', p_login, p_verifier
    );
    -- the watchdog (this role) may end the analyst's sessions and put its settings back
    execute format('grant %I to %I', p_login, current_user);
    insert into app.analysts (role_name, tenant_id) values (p_login, v_tenant);
    perform app_private.apply_analyst_settings(p_login);
end
$_$;

--
-- Name: FUNCTION create_analyst(p_login text, p_tenant_slug text, p_verifier text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.create_analyst(p_login text, p_tenant_slug text, p_verifier text) IS 'Creates an analyst login bound to one tenant: reporting_reader, read-only sessions, the query time limit.';

--
-- Name: credit_check_found(uuid, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.credit_check_found(p_lead_id uuid, p_since timestamp with time zone, p_started timestamp with time zone) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select jsonb_build_object(
        'graded', (
            select app.credit_check_json(c, 'cache', false) from app.credit_checks as c
            where c.lead_id = p_lead_id and c.status = 'GRADED' and c.checked_at >= p_since
            order by c.checked_at desc limit 1
        ),
        'failed', exists (
            select from app.credit_checks as c
            where c.lead_id = p_lead_id and c.status = 'FAILED' and c.checked_at >= p_started
        ),
        'pending', (
            select app.credit_check_json(c, 'live', false)
                || jsonb_build_object('allianz_job_id', c.allianz_job_id, 'fresh', c.checked_at >= p_started)
            from app.credit_checks as c
            where c.lead_id = p_lead_id and c.status = 'PENDING' and c.checked_at > pg_catalog.now() - interval '1 day'
            order by c.checked_at desc limit 1
        )
    )
$$;

--
-- Name: FUNCTION credit_check_found(p_lead_id uuid, p_since timestamp with time zone, p_started timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.credit_check_found(p_lead_id uuid, p_since timestamp with time zone, p_started timestamp with time zone) IS 'A GRADED check of the lead since p_since, whether one FAILED since p_started, and its PENDING grade request.';

--
-- Name: credit_check_last(uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.credit_check_last(p_lead_id uuid) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select app.credit_check_json(c, 'cache', true) from app.credit_checks as c
    where c.lead_id = p_lead_id and c.status = 'GRADED'
    order by c.checked_at desc
    limit 1
$$;

--
-- Name: FUNCTION credit_check_last(p_lead_id uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.credit_check_last(p_lead_id uuid) IS 'The newest GRADED check of the lead, marked stale.';

--
-- Name: credit_check_lock(uuid, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.credit_check_lock(p_tenant_id uuid, p_company_key text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select pg_catalog.pg_advisory_lock(
        pg_catalog.hashtextextended('allianz.check:' || p_tenant_id || ':' || p_company_key, 0)
    )
$$;

--
-- Name: FUNCTION credit_check_lock(p_tenant_id uuid, p_company_key text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.credit_check_lock(p_tenant_id uuid, p_company_key text) IS 'Serialises the upstream lookups of a tenant''s company (session lock; see credit_check_unlock).';

--
-- Name: credit_check_of_company(uuid, text, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.credit_check_of_company(p_tenant_id uuid, p_company_id text, p_since timestamp with time zone) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select c.id from app.credit_checks as c
    where c.tenant_id = p_tenant_id and c.company_id = p_company_id and c.status = 'GRADED' and c.checked_at >= p_since
    order by c.checked_at desc
    limit 1
$$;

--
-- Name: FUNCTION credit_check_of_company(p_tenant_id uuid, p_company_id text, p_since timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.credit_check_of_company(p_tenant_id uuid, p_company_id text, p_since timestamp with time zone) IS 'The newest GRADED check of the tenant''s company since p_since.';

--
-- Name: credit_check_pending_job(uuid, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.credit_check_pending_job(p_tenant_id uuid, p_company_id text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select c.allianz_job_id from app.credit_checks as c
    where
        c.tenant_id = p_tenant_id and c.company_id = p_company_id and c.status = 'PENDING'
        and c.checked_at > pg_catalog.now() - interval '1 day'
    order by c.checked_at desc
    limit 1
$$;

--
-- Name: FUNCTION credit_check_pending_job(p_tenant_id uuid, p_company_id text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.credit_check_pending_job(p_tenant_id uuid, p_company_id text) IS 'The Allianz Trade job of the newest PENDING grade request of the tenant''s company (last day).';

--
-- Name: credit_check_store(uuid, uuid, uuid, jsonb, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.credit_check_store(p_tenant_id uuid, p_lead_id uuid, p_user_id uuid, p_result jsonb, p_source text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_check app.credit_checks;
    v_reused app.credit_checks;
    v_pending uuid := (p_result ->> 'pending_check_id')::uuid;
begin
    if not exists (select from app.leads as l where l.id = p_lead_id and l.tenant_id = p_tenant_id) then
        raise exception 'lead % is not of tenant %', p_lead_id, p_tenant_id using errcode = 'insufficient_privilege';
    end if;
    if p_result ? 'reused_from' then
        select c.* into v_reused from app.credit_checks as c
        where c.id = (p_result ->> 'reused_from')::uuid and c.tenant_id = p_tenant_id and c.status = 'GRADED';
    end if;
    if v_pending is not null then
        update app.credit_checks as c
        set
            status = p_result ->> 'status',
            grade = p_result ->> 'grade',
            valid_until = (p_result ->> 'valid_until')::timestamptz,
            checked_at = pg_catalog.clock_timestamp()
        where c.id = v_pending and c.lead_id = p_lead_id and c.status = 'PENDING'
        returning c.* into v_check;
        if v_check.id is null then  -- completed meanwhile by another check: answer that one
            select c.* into v_check from app.credit_checks as c where c.id = v_pending and c.lead_id = p_lead_id;
            if v_check.id is not null then
                return app.credit_check_json(v_check, p_source, false);
            end if;
        end if;
    end if;
    if v_check.id is null then
        -- a reused grade keeps the time Allianz Trade gave it: it is reused for 8 hours from then,
        -- not passed along for ever
        insert into app.credit_checks (
            tenant_id, lead_id, company_id, company_name, status, grade, allianz_job_id, checked_at, valid_until,
            requested_by, reused_from
        )
        values (
            p_tenant_id, p_lead_id,
            coalesce(v_reused.company_id, p_result ->> 'company_id'),
            coalesce(v_reused.company_name, left(p_result ->> 'company_name', 300)),
            coalesce(v_reused.status, p_result ->> 'status'),
            coalesce(v_reused.grade, p_result ->> 'grade'),
            p_result ->> 'allianz_job_id',
            coalesce(v_reused.checked_at, pg_catalog.clock_timestamp()),
            coalesce(v_reused.valid_until, (p_result ->> 'valid_until')::timestamptz),
            p_user_id,
            v_reused.id
        )
        returning * into v_check;
    end if;
    perform app_private.write_audit(
        p_tenant_id, 'credit_check.' || lower(v_check.status), 'credit_check', v_check.id, p_lead_id, null,
        jsonb_build_object(
            'company_id', v_check.company_id, 'grade', v_check.grade, 'status', v_check.status,
            'valid_until', v_check.valid_until, 'reused_from', v_check.reused_from, 'requested_by', p_user_id
        ),
        null, false
    );
    return app.credit_check_json(v_check, p_source, false);
end
$$;

--
-- Name: FUNCTION credit_check_store(p_tenant_id uuid, p_lead_id uuid, p_user_id uuid, p_result jsonb, p_source text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.credit_check_store(p_tenant_id uuid, p_lead_id uuid, p_user_id uuid, p_result jsonb, p_source text) IS 'Stores and audits a credit check (a new grade, a reused one, or a pending request completed).';

--
-- Name: credit_check_unlock(uuid, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.credit_check_unlock(p_tenant_id uuid, p_company_key text) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select pg_catalog.pg_advisory_unlock(
        pg_catalog.hashtextextended('allianz.check:' || p_tenant_id || ':' || p_company_key, 0)
    )
$$;

--
-- Name: FUNCTION credit_check_unlock(p_tenant_id uuid, p_company_key text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.credit_check_unlock(p_tenant_id uuid, p_company_key text) IS 'Releases credit_check_lock.';

--
-- Name: credit_limit_decided(uuid, text, numeric, text, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.credit_limit_decided(p_request_id uuid, p_state text, p_agreed_eur numeric, p_decision text, p_error text DEFAULT NULL::text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_request app.credit_limit_requests;
    v_company text;
begin
    if p_state not in ('AGREED', 'PARTIAL', 'REFUSED', 'FAILED') then
        raise exception 'not a decision: %', p_state using errcode = 'invalid_parameter_value';
    end if;
    update app.credit_limit_requests as r
    set
        state = p_state,
        agreed_eur = p_agreed_eur,
        decision = left(p_decision, 100),
        last_error = left(p_error, 2000),
        decided_at = pg_catalog.clock_timestamp()
    where r.id = p_request_id and r.state in ('REQUESTED', 'PENDING')
    returning r.* into v_request;
    if v_request.id is null then
        return false;
    end if;
    perform app_private.write_audit(
        v_request.tenant_id, 'credit_limit.' || lower(p_state), 'credit_limit_request', v_request.id,
        v_request.lead_id, jsonb_build_object('state', 'PENDING'),
        jsonb_build_object('state', p_state, 'agreed_eur', p_agreed_eur, 'decision', p_decision, 'error', p_error),
        null, false
    );
    select c.company_name into v_company from app.credit_checks as c where c.id = v_request.check_id;
    perform app_private.notify(
        v_request.tenant_id, v_request.requested_by, 'CREDIT_LIMIT_DECIDED', v_request.lead_id,
        format('Kreditlimit %s: %s', coalesce(v_company, 'Kunde'), case p_state
            when 'AGREED' then 'bewilligt' when 'PARTIAL' then 'teilweise bewilligt'
            when 'REFUSED' then 'abgelehnt' else 'fehlgeschlagen' end),
        case when p_state = 'FAILED' then
            format('Die Limitanfrage über %s EUR konnte nicht entschieden werden: %s', v_request.amount_eur, p_error)
        else
            format('Angefragt: %s EUR, bewilligt: %s EUR.', v_request.amount_eur, coalesce(p_agreed_eur, 0))
        end,
        'credit_limit:' || v_request.id
    );
    return true;
end
$$;

--
-- Name: FUNCTION credit_limit_decided(p_request_id uuid, p_state text, p_agreed_eur numeric, p_decision text, p_error text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.credit_limit_decided(p_request_id uuid, p_state text, p_agreed_eur numeric, p_decision text, p_error text) IS 'Stores Allianz Trade''s decision on a limit request (or its failure), audits it and notifies the requester.';

--
-- Name: credit_limit_for_job(uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.credit_limit_for_job(p_request_id uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_request app.credit_limit_requests;
begin
    select r.* into v_request from app.credit_limit_requests as r where r.id = p_request_id for update;
    if v_request.id is null then
        return null;
    end if;
    if v_request.state = 'REQUESTED' and v_request.submission_started_at is null then
        update app.credit_limit_requests as r set submission_started_at = pg_catalog.clock_timestamp()
        where r.id = p_request_id;
    end if;
    return jsonb_build_object(
        'tenant_id', v_request.tenant_id,
        'state', v_request.state,
        'company_id', v_request.company_id,
        'amount_eur', v_request.amount_eur,
        'allianz_job_id', v_request.allianz_job_id,
        'polls', v_request.polls,
        'sent_before', v_request.state = 'REQUESTED' and v_request.submission_started_at is not null
    );
end
$$;

--
-- Name: FUNCTION credit_limit_for_job(p_request_id uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.credit_limit_for_job(p_request_id uuid) IS 'The limit request as the worker handles it; marks the first send.';

--
-- Name: credit_limit_poll_later(uuid, text, numeric); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.credit_limit_poll_later(p_request_id uuid, p_allianz_job_id text, p_base_seconds numeric) RETURNS timestamp with time zone
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_request app.credit_limit_requests;
    v_at timestamptz;
begin
    update app.credit_limit_requests as r
    set
        state = 'PENDING',
        allianz_job_id = coalesce(r.allianz_job_id, p_allianz_job_id),
        polls = r.polls + 1,
        last_error = null
    where r.id = p_request_id and r.state in ('REQUESTED', 'PENDING')
    returning r.* into v_request;
    if v_request.id is null then
        return null;
    end if;
    v_at := pg_catalog.now() + make_interval(
        secs => least(p_base_seconds * 2 ^ least(v_request.polls - 1, 20), 3600)::float8
    );
    insert into app.jobs (tenant_id, kind, payload, dedupe_key, lead_id, next_attempt_at)
    values (
        v_request.tenant_id, 'allianz.limit', jsonb_build_object('request_id', v_request.id),
        'allianz.limit:' || v_request.id || ':' || v_request.polls, v_request.lead_id, v_at
    );
    return v_at;
end
$$;

--
-- Name: FUNCTION credit_limit_poll_later(p_request_id uuid, p_allianz_job_id text, p_base_seconds numeric); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.credit_limit_poll_later(p_request_id uuid, p_allianz_job_id text, p_base_seconds numeric) IS 'Marks the request PENDING at Allianz Trade and queues its next poll after a backoff; returns when.';

--
-- Name: credit_limit_unsent(uuid, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.credit_limit_unsent(p_request_id uuid, p_error text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    update app.credit_limit_requests as r
    set submission_started_at = null, last_error = left(p_error, 2000)
    where r.id = p_request_id and r.state = 'REQUESTED'
$$;

--
-- Name: FUNCTION credit_limit_unsent(p_request_id uuid, p_error text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.credit_limit_unsent(p_request_id uuid, p_error text) IS 'The request certainly did not reach Allianz Trade: it may be sent again.';

--
-- Name: deliver_notices(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.deliver_notices() RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_count integer;
begin
    -- (data-modifying CTEs all run, whether or not the final select reads them)
    with pending as materialized (
        -- settings are resolved once per notice, not once per candidate recipient
        select
            n.id as notice_id, n.tenant_id, n.lead_id, n.kind, n.facts,
            (n.facts ->> 'owner_id')::uuid as owner_id,
            app.effective_setting(
                'lead.protection.reminder.channels', n.tenant_id, (n.facts ->> 'owner_org_id')::uuid, null
            ) as channels,
            (n.facts ->> 'owner_org_id')::uuid as owner_org_id,
            case
                when n.kind = 'ESCALATION' then array['tenant_admin']
                when n.kind in ('REMINDER', 'EXPIRED') then array(select jsonb_array_elements_text(
                    app.effective_setting('lead.protection.notify.roles', n.tenant_id, null, null)
                ))
                else array[]::text[]
            end as tenant_roles,
            case
                when n.kind in ('REMINDER', 'EXPIRED') then array(
                    select jsonb_array_elements_text(app.effective_setting(
                        'lead.protection.notify.roles', n.tenant_id, (n.facts ->> 'owner_org_id')::uuid, null
                    ))
                    except
                    select jsonb_array_elements_text(
                        app.effective_setting('lead.protection.notify.roles', n.tenant_id, null, null)
                    )
                )
                else array[]::text[]
            end as org_roles
        from app.protection_notices as n
        where n.delivered_at is null
    ),

    fanout as (
        -- the owner (not for escalations) ...
        select
            p.notice_id, p.tenant_id, p.lead_id, p.kind, p.facts, p.channels, u.id as user_id, u.email,
            u.display_name, 'owner' as recipient_role
        from pending as p
        inner join app.users as u on p.owner_id = u.id
        where u.active and p.kind <> 'ESCALATION'
        union all
        -- ... and everybody else with one of the roles: of the tenant, or of the owner's organisation
        select
            p.notice_id, p.tenant_id, p.lead_id, p.kind, p.facts, p.channels, u.id, u.email,
            u.display_name, u.role
        from pending as p
        inner join app.users as u
            on
                p.tenant_id = u.tenant_id
                and (u.role = any(p.tenant_roles) or (u.role = any(p.org_roles) and u.org_id = p.owner_org_id))
        where
            u.active
            and u.role <> 'sales_rep'
            and (p.kind = 'ESCALATION' or u.id is distinct from p.owner_id)
    ),

    in_app as (
        insert into app.notifications (tenant_id, user_id, kind, lead_id, subject, body, dedupe_key, channel)
        select
            f.tenant_id, f.user_id, f.kind, f.lead_id,
            app.notice_subject(f.kind, f.facts),
            app.notice_text(f.kind, f.facts),
            'notice:' || f.notice_id || ':' || c.channel,
            c.channel
        from fanout as f
        -- a task is for the owner of a lead still to work on; anyone else gets TASK as INAPP
        cross join lateral (
            select distinct
                case
                    when ch.value = 'TASK' and (f.recipient_role <> 'owner' or f.kind = 'EXPIRED') then 'INAPP'
                    else ch.value
                end as channel
            from jsonb_array_elements_text(f.channels) as ch
            where ch.value in ('INAPP', 'TASK')
        ) as c
        on conflict (user_id, dedupe_key) where dedupe_key is not null do nothing
        returning 1
    ),

    mail as (
        insert into app.jobs (tenant_id, kind, user_id, to_address, template, payload, dedupe_key, lead_id)
        select
            f.tenant_id, 'mail.send', f.user_id, f.email, lower(f.kind),
            f.facts || jsonb_build_object('recipient_name', f.display_name, 'recipient_role', f.recipient_role),
            'notice:' || f.notice_id || ':' || f.user_id, f.lead_id
        from fanout as f
        where f.channels ? 'EMAIL'
        on conflict (dedupe_key) do nothing
        returning 1
    ),

    -- every notice undelivered at the start is done, also one nobody could receive
    delivered as (
        update app.protection_notices
        set delivered_at = app.now()
        where delivered_at is null
        returning 1
    )

    select count(*)::integer into v_count from delivered;
    return v_count;
end
$$;

--
-- Name: FUNCTION deliver_notices(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.deliver_notices() IS 'Fans every undelivered protection notice out to its recipients and channels (mail as mail.send jobs).';

--
-- Name: drop_analyst(text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.drop_analyst(p_login text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
    if not exists (select from app.analysts as a where a.role_name = p_login) then
        return false;
    end if;
    perform pg_catalog.pg_terminate_backend(s.pid) from pg_catalog.pg_stat_activity as s where s.usename = p_login;
    delete from app.analysts as a where a.role_name = p_login;
    execute format('drop role if exists %I', p_login);
    return true;
end
$$;

--
-- Name: FUNCTION drop_analyst(p_login text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.drop_analyst(p_login text) IS 'Removes an analyst login (and ends its sessions).';

--
-- Name: duplicate_of(text, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.duplicate_of(p_dup_key text, p_vat_key text) RETURNS TABLE(lead_id uuid, is_mine boolean, status text, expires_at timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select
        case
            when app.current_web_role() <> 'sales_rep' or l.owner_id is not distinct from app.current_user_id()
                or app.lead_status(l, c, app.now()) in ('UNASSIGNED', 'EXPIRED') then l.id
        end,
        l.owner_id is not distinct from app.current_user_id(),
        app.lead_status(l, c, app.now()),
        (select d.expires_at from app.lead_deadlines(l, c, app.now()) as d)
    from app.leads as l
    inner join app.protection_configs as c on c.tenant_id = l.tenant_id
    where l.tenant_id = app.current_tenant_id() and (l.dup_key = p_dup_key or l.vat_key = p_vat_key)
    order by l.dup_key = p_dup_key desc
    limit 1
$$;

--
-- Name: FUNCTION duplicate_of(p_dup_key text, p_vat_key text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.duplicate_of(p_dup_key text, p_vat_key text) IS 'The lead of the caller''s tenant with the same duplicate key or VAT id, with its status; never its owner, and for a rep no id of another rep''s protected lead.';

--
-- Name: end_overrunning_analyst_sessions(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.end_overrunning_analyst_sessions() RETURNS TABLE(pid integer, analyst text, reason text, since timestamp with time zone)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    with sessions as (
        select
            s.pid,
            a.role_name,
            s.query_start,
            s.state_change,
            s.state = 'active' and s.query_start < l.started_before as over_query,
            s.state in ('idle in transaction', 'idle in transaction (aborted)')
            and s.state_change < l.started_before as over_transaction,
            exists (
                select from pg_catalog.pg_locks as k where k.pid = s.pid and k.locktype = 'advisory'
            ) as holds_lock
        from pg_catalog.pg_stat_activity as s
        inner join app.analysts as a on s.usename = a.role_name
        cross join lateral (
            select
                pg_catalog.clock_timestamp()
                - make_interval(secs => app_private.analyst_limit_seconds(a.role_name)) as started_before
        ) as l
        where s.datname = pg_catalog.current_database()
    ),

    -- materialized: the sessions to end are chosen first, then each is signalled once
    overrunning as materialized (
        select
            x.pid,
            x.role_name,
            case when x.over_query then 'query' when x.over_transaction then 'transaction' else 'advisory lock' end
            as reason,
            case when x.over_query then x.query_start when x.over_transaction then x.state_change end as since
        from sessions as x
        where x.over_query or x.over_transaction or x.holds_lock
    )

    -- ended, not cancelled: a DO block can catch a cancel and go on
    select o.pid, o.role_name, o.reason, o.since
    from overrunning as o
    where pg_catalog.pg_terminate_backend(o.pid)
$$;

--
-- Name: FUNCTION end_overrunning_analyst_sessions(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.end_overrunning_analyst_sessions() IS 'Ends analyst sessions over reporting.maxQuerySeconds (a query or an open transaction) or holding an advisory lock, and returns them (since: when the query or the idle transaction began; null for a lock). Writes nothing, so it runs on a hot standby too.';

--
-- Name: enqueue_mailbox_job(text, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.enqueue_mailbox_job(p_kind text, p_connector text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
    if not exists (select from app.connectors as c where c.connector = p_connector and c.configured) then
        return jsonb_build_object('queued', 0, 'configured', false);
    end if;
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(p_kind, 0));
    if exists (select from app.jobs as j where j.kind = p_kind and j.state in ('PENDING', 'RUNNING')) then
        return jsonb_build_object('queued', 0, 'configured', true);
    end if;
    insert into app.jobs (kind) values (p_kind);
    return jsonb_build_object('queued', 1, 'configured', true);
end
$$;

--
-- Name: FUNCTION enqueue_mailbox_job(p_kind text, p_connector text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.enqueue_mailbox_job(p_kind text, p_connector text) IS 'Queues one job of the kind unless one is waiting or running (only when a worker has the connector).';

--
-- Name: enqueue_product_syncs(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.enqueue_product_syncs() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_queued integer := 0;
begin
    if not exists (select from app.connectors as c where c.connector = 'xentral' and c.configured) then
        return jsonb_build_object('queued', 0, 'configured', false);
    end if;
    insert into app.jobs (tenant_id, kind, dedupe_key)
    select t.id, 'xentral.products', 'xentral.products:' || t.id || ':' || to_char(pg_catalog.now(), 'YYYYMMDDHH24')
    from app.tenants as t
    where not exists (
        select from app.jobs as j
        where j.tenant_id = t.id and j.kind = 'xentral.products' and j.state in ('PENDING', 'RUNNING')
    )
    on conflict (dedupe_key) do nothing;
    get diagnostics v_queued = row_count;
    return jsonb_build_object('queued', v_queued, 'configured', true);
end
$$;

--
-- Name: FUNCTION enqueue_product_syncs(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.enqueue_product_syncs() IS 'Queues a xentral.products job for every tenant without one waiting (hourly; nothing when unconfigured).';

--
-- Name: escalate_extension_requests(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.escalate_extension_requests() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_escalated integer;
begin
    perform
    from app.leads as l
    where l.id in (
        select x.lead_id from app.extension_requests as x
        where x.state = 'PENDING' and x.due_at <= app.now() and x.escalated_at is null
    )
    order by l.id
    for update;
    with due as (
        update app.extension_requests as x
        set escalated_at = app.now()
        where x.state = 'PENDING' and x.due_at <= app.now() and x.escalated_at is null
        returning x.id, x.tenant_id, x.lead_id, x.days
    ),

    audited as (
        insert into app.audit_log (tenant_id, action, entity_type, entity_id, lead_id, reason)
        select due.tenant_id, 'lead.extension_escalated', 'extension_request', due.id, due.lead_id,
            'Undecided 48 hours after the request.'
        from due
    )

    insert into app.protection_notices (tenant_id, lead_id, kind, cycle_key, facts)
    select
        due.tenant_id, due.lead_id, 'ESCALATION', due.id::text,
        app.notice_facts(l, c, app.now()) || jsonb_build_object('days', due.days, 'request_id', due.id)
    from due
    inner join app.leads as l on due.lead_id = l.id
    inner join app.protection_configs as c on l.tenant_id = c.tenant_id
    on conflict (lead_id, kind, cycle_key) do nothing;
    get diagnostics v_escalated = row_count;
    perform app_private.deliver_notices();
    return jsonb_build_object('escalated', v_escalated);
end
$$;

--
-- Name: FUNCTION escalate_extension_requests(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.escalate_extension_requests() IS 'Escalates extension requests undecided after 48 hours to the tenant admins (notice and audit).';

--
-- Name: evaluate_alerts(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.evaluate_alerts() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_now timestamptz := app.now();
    v_alert record;
    v_state app.alert_states;
    v_firing text[] := array[]::text[];
    v_fired integer := 0;
    v_resolved integer := 0;
    v_title text;
begin
    for v_alert in
        select
            c.*,
            s.fired_at as was_fired_at,
            s.severity as was_severity,
            s.resolved_at is null and s.fired_at is not null as was_firing
        from app_private.alert_conditions() as c
        left join app.alert_states as s
            on c.tenant_id = s.tenant_id and c.alert = s.alert and c.subject = s.subject
        order by c.tenant_id, c.alert, c.subject
    loop
        v_firing := v_firing || (v_alert.tenant_id::text || '/' || v_alert.alert || '/' || v_alert.subject);
        insert into app.alert_states as s (
            tenant_id, alert, subject, severity, value, threshold, fired_at, evaluated_at, resolved_at
        )
        values (
            v_alert.tenant_id, v_alert.alert, v_alert.subject, v_alert.severity, v_alert.value,
            v_alert.threshold, v_now, v_now, null
        )
        on conflict (tenant_id, alert, subject) do update
        set
            severity = excluded.severity,
            value = excluded.value,
            threshold = excluded.threshold,
            -- a firing goes on; one that had resolved starts again
            fired_at = case when s.resolved_at is null then s.fired_at else excluded.fired_at end,
            evaluated_at = excluded.evaluated_at,
            resolved_at = null;
        -- once per firing, and once more if a warning becomes critical
        if not v_alert.was_firing or v_alert.was_severity <> v_alert.severity then
            v_title := case v_alert.severity when 'critical' then 'Kritisch: ' else 'Warnung: ' end
                || v_alert.alert || case when v_alert.subject <> '' then ' (' || v_alert.subject || ')' else '' end;
            perform app_private.notify_roles(
                v_alert.tenant_id, array['tenant_admin', 'sales_manager'], 'ALERT', null, left(v_title, 300),
                app_private.alert_text(v_alert.alert, v_alert.subject, v_alert.value, v_alert.threshold),
                left(
                    'ALERT:' || v_alert.alert || ':' || v_alert.subject || ':' || v_alert.severity || ':'
                    || extract(epoch from case when v_alert.was_firing then v_alert.was_fired_at else v_now end),
                    300
                )
            );
            v_fired := v_fired + 1;
        end if;
    end loop;

    for v_state in
        update app.alert_states as s
        set resolved_at = v_now
        where
            s.resolved_at is null
            and not (s.tenant_id::text || '/' || s.alert || '/' || s.subject) = any(v_firing)
        returning s.*
    loop
        v_title := 'Behoben: ' || v_state.alert
            || case when v_state.subject <> '' then ' (' || v_state.subject || ')' else '' end;
        perform app_private.notify_roles(
            v_state.tenant_id, array['tenant_admin', 'sales_manager'], 'ALERT_RESOLVED', null, left(v_title, 300),
            'Der Alarm ' || v_state.alert || ' vom '
            || to_char(v_state.fired_at at time zone 'UTC', 'DD.MM.YYYY HH24:MI') || ' UTC ist behoben.',
            left(
                'ALERT_RESOLVED:' || v_state.alert || ':' || v_state.subject || ':' || extract(epoch from v_state.fired_at),
                300
            )
        );
        v_resolved := v_resolved + 1;
    end loop;
    return jsonb_build_object('firing', cardinality(v_firing), 'notified', v_fired, 'resolved', v_resolved);
end
$$;

--
-- Name: FUNCTION evaluate_alerts(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.evaluate_alerts() IS 'Job alerts: records the alerts firing now and notifies admins and managers once per firing (again when a warning becomes critical) and once when one resolves.';

--
-- Name: expire_lead_now(uuid, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.expire_lead_now(p_lead_id uuid, p_reason text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_lead app.leads;
begin
    perform app.require_role(array['sales_manager']);
    v_lead := app_private.my_tenants_lead(p_lead_id);
    if v_lead.owner_id is null then
        perform app.raise_error('FP310', 409, 'The lead is already in the pool.', 'lead_id');
    end if;
    perform app_private.release_lead(v_lead.id, 'EXPIRED_NOW', false, p_reason);
end
$$;

--
-- Name: FUNCTION expire_lead_now(p_lead_id uuid, p_reason text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.expire_lead_now(p_lead_id uuid, p_reason text) IS 'Releases a lead now (managers of its tenant).';

--
-- Name: fail_job(bigint, text, boolean, integer, numeric); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.fail_job(p_job_id bigint, p_error text, p_permanent boolean, p_max_attempts integer DEFAULT NULL::integer, p_retry_base_seconds numeric DEFAULT NULL::numeric) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_state text;
begin
    update app.jobs as j
    set
        state = case
            when p_permanent or j.attempts >= coalesce(p_max_attempts, k.max_attempts) then 'PARKED'
            else 'PENDING'
        end,
        finished_at = case
            when p_permanent or j.attempts >= coalesce(p_max_attempts, k.max_attempts) then pg_catalog.now()
        end,
        next_attempt_at = pg_catalog.now() + make_interval(secs => least(
            coalesce(p_retry_base_seconds, k.retry_base_seconds) * 2 ^ greatest(j.attempts - 1, 0),
            k.retry_max_seconds
        )::double precision),
        last_error = left(coalesce(p_error, 'unknown error'), 2000)
    from app.job_kinds as k
    where j.id = p_job_id and j.kind = k.kind and j.state in ('PENDING', 'RUNNING')
    returning j.state into v_state;
    return v_state;
end
$$;

--
-- Name: FUNCTION fail_job(p_job_id bigint, p_error text, p_permanent boolean, p_max_attempts integer, p_retry_base_seconds numeric); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.fail_job(p_job_id bigint, p_error text, p_permanent boolean, p_max_attempts integer, p_retry_base_seconds numeric) IS 'Records a failed attempt: PENDING again after a backoff, or PARKED (permanent error or last attempt). Returns the new state.';

--
-- Name: feedback_form(bytea); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.feedback_form(p_token_hash bytea) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select jsonb_build_object(
        'company_name', l.company_name,
        'city', l.city,
        'stage', ph.stage,
        'start_date', ph.start_date,
        'end_date', ph.end_date,
        'expires_at', t.expires_at,
        'submissions_left', t.max_submissions - t.submissions,
        'products', (
            select coalesce(jsonb_agg(jsonb_build_object('sku', i.sku, 'name', p.name, 'unit', p.unit)
                order by p.name, i.sku), '[]')
            from app.sample_box_items as i
            inner join app.products as p on i.tenant_id = p.tenant_id and i.sku = p.sku
            where i.box_id = ph.box_id
        )
    )
    from app_private.feedback_tokens as t
    inner join app.test_phases as ph on t.phase_id = ph.id
    inner join app.leads as l on t.lead_id = l.id
    where
        t.token_hash = p_token_hash
        and app.feedback_link_state(t.expires_at, t.revoked_at, t.submissions, t.max_submissions, app.now()) = 'ACTIVE'
$$;

--
-- Name: FUNCTION feedback_form(p_token_hash bytea); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.feedback_form(p_token_hash bytea) IS 'The feedback page''s content for a usable token (by its SHA-256), or null for any unusable one.';

--
-- Name: finish_imap_run(text, jsonb); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.finish_imap_run(p_mailbox text, p_result jsonb) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    update app.imap_mailboxes as b set last_run_at = pg_catalog.clock_timestamp() where b.mailbox = p_mailbox;
    insert into app.connector_states as s (tenant_id, connector, last_success_at, last_result)
    select b.tenant_id, 'mail', pg_catalog.clock_timestamp(), p_result from app.imap_mailboxes as b
    where b.mailbox = p_mailbox
    on conflict (tenant_id, connector) do update
    set last_success_at = excluded.last_success_at, last_result = excluded.last_result;
$$;

--
-- Name: FUNCTION finish_imap_run(p_mailbox text, p_result jsonb); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.finish_imap_run(p_mailbox text, p_result jsonb) IS 'Records a finished IMAP run (api.integration_status shows it).';

--
-- Name: finish_job(bigint); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.finish_job(p_job_id bigint) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    with done as (
        update app.jobs as j
        set state = 'DONE', finished_at = pg_catalog.now(), last_error = null
        where j.id = p_job_id and j.state in ('PENDING', 'RUNNING')
        returning 1
    )
    select exists (select from done)
$$;

--
-- Name: FUNCTION finish_job(p_job_id bigint); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.finish_job(p_job_id bigint) IS 'Records that a job succeeded; false when it was no longer PENDING or RUNNING (parked meanwhile).';

--
-- Name: finish_product_sync(uuid, timestamp with time zone, boolean, text[], jsonb); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.finish_product_sync(p_tenant_id uuid, p_started_at timestamp with time zone, p_full_pull boolean, p_listed text[], p_result jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_gone integer := 0;
    v_result jsonb;
begin
    if p_full_pull then
        update app.products as p
        set active = false, synced_at = app.now(), updated_at = app.now()
        where
            p.tenant_id = p_tenant_id and p.active and p.xentral_id is not null
            and not (p.xentral_id = any(coalesce(p_listed, '{}')));
        get diagnostics v_gone = row_count;
    end if;
    v_result := coalesce(p_result, '{}') || jsonb_build_object('full_pull', p_full_pull, 'gone', v_gone);
    insert into app.connector_states as s (
        tenant_id, connector, last_success_at, last_result, synced_since, last_full_sync_at
    )
    values (
        p_tenant_id, 'xentral', pg_catalog.clock_timestamp(), v_result, p_started_at,
        case when p_full_pull then p_started_at end
    )
    on conflict (tenant_id, connector) do update
    set
        last_success_at = excluded.last_success_at,
        last_result = excluded.last_result,
        synced_since = excluded.synced_since,
        last_full_sync_at = coalesce(excluded.last_full_sync_at, s.last_full_sync_at);
    return v_result;
end
$$;

--
-- Name: FUNCTION finish_product_sync(p_tenant_id uuid, p_started_at timestamp with time zone, p_full_pull boolean, p_listed text[], p_result jsonb); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.finish_product_sync(p_tenant_id uuid, p_started_at timestamp with time zone, p_full_pull boolean, p_listed text[], p_result jsonb) IS 'Completes a product sync: after a full pull, Xentral products no longer listed become inactive; records the result and the watermarks for the next incremental sync.';

--
-- Name: imap_flagged(text, bigint); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.imap_flagged(p_mailbox text, p_uid bigint) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    update app.imap_mailboxes as b set flagged_uid = greatest(b.flagged_uid, least(p_uid, b.last_uid))
    where b.mailbox = p_mailbox
$$;

--
-- Name: FUNCTION imap_flagged(p_mailbox text, p_uid bigint); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.imap_flagged(p_mailbox text, p_uid bigint) IS 'Moves the mailbox''s \Seen watermark (at most to what is stored).';

--
-- Name: imap_mailbox_state(text, text, bigint); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.imap_mailbox_state(p_mailbox text, p_tenant_slug text, p_uidvalidity bigint) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_tenant uuid := (select t.id from app.tenants as t where t.slug = p_tenant_slug);
    v_box app.imap_mailboxes;
begin
    if v_tenant is null then
        raise exception 'FRESHPLAN_IMAP_TENANT names no tenant: %', p_tenant_slug
            using errcode = 'invalid_parameter_value';
    end if;
    insert into app.imap_mailboxes (mailbox, tenant_id, uidvalidity)
    values (p_mailbox, v_tenant, p_uidvalidity)
    on conflict (mailbox) do update set tenant_id = excluded.tenant_id
    returning * into v_box;
    if v_box.uidvalidity is distinct from p_uidvalidity then
        update app.imap_mailboxes as b set uidvalidity = p_uidvalidity, last_uid = 0, flagged_uid = 0
        where b.mailbox = p_mailbox
        returning * into v_box;
    end if;
    return jsonb_build_object(
        'tenant_id', v_box.tenant_id, 'last_uid', v_box.last_uid, 'flagged_uid', v_box.flagged_uid
    );
end
$$;

--
-- Name: FUNCTION imap_mailbox_state(p_mailbox text, p_tenant_slug text, p_uidvalidity bigint); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.imap_mailbox_state(p_mailbox text, p_tenant_slug text, p_uidvalidity bigint) IS 'The mailbox''s tenant and watermarks for a run; a new UIDVALIDITY resets them.';

--
-- Name: issue_feedback_token(uuid, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.issue_feedback_token(p_phase_id uuid, p_action text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_phase app.test_phases := app_private.phase_for_sample_write(p_phase_id);
    v_now timestamptz := app.now();
    v_lead app.leads;
    v_email text;
    v_contact text;
    v_raw text;
    v_token app_private.feedback_tokens;
    v_days integer;
    v_reminder_days integer;
    v_payload jsonb;
    v_timezone text;
    v_from timestamptz;
    v_max_rotations integer;
    v_again_at timestamptz;
begin
    if p_action not in ('feedback_link.issued', 'feedback_link.rotated') then
        raise exception 'unknown action %', p_action using errcode = 'invalid_parameter_value';
    end if;
    select l.* into v_lead from app.leads as l where l.id = v_phase.lead_id;
    select c.timezone into v_timezone from app.protection_configs as c where c.tenant_id = v_lead.tenant_id;
    -- a phase gets its first link once; every further one is a rotation, and counts as one
    if p_action = 'feedback_link.issued'
        and exists (select from app_private.feedback_tokens as t where t.phase_id = v_phase.id) then
        perform app.raise_error(
            'FP916', 409, 'This test phase already has a feedback link; replace it instead.', 'phase_id',
            'POST /rpc/rotate_feedback_token with the test phase.'
        );
    end if;
    if p_action = 'feedback_link.rotated' then
        -- every rotation mails the contact: at most maxRotationsPerDay in any 24 hours (the phase is
        -- locked, so concurrent rotations count one after the other). A rotation is every link of
        -- the phase but its first; possible again when the oldest one that fills the limit is 24 h old.
        v_max_rotations := (
            app.effective_setting('sample.feedback.maxRotationsPerDay', v_lead.tenant_id, app.current_org_id(), null)
            #>> '{}'
        )::integer;
        select r.created_at + interval '24 hours' into v_again_at
        from app_private.feedback_tokens as r
        where
            r.phase_id = v_phase.id and r.created_at > v_now - interval '24 hours'
            and r.id <> (
                select f.id from app_private.feedback_tokens as f
                where f.phase_id = v_phase.id order by f.created_at, f.id limit 1
            )
        order by r.created_at desc, r.id desc
        offset v_max_rotations - 1
        limit 1;
        if v_again_at is not null then
            perform app.raise_error(
                'FP915', 429,
                format(
                    'The feedback link of this test phase was already replaced %s in 24 hours; you can replace it '
                    'again from %s.',
                    case when v_max_rotations = 1 then 'once' else v_max_rotations || ' times' end,
                    to_char(v_again_at at time zone v_timezone, 'YYYY-MM-DD HH24:MI')
                ),
                'phase_id', 'sample.feedback.maxRotationsPerDay limits the rotations of a link.'
            );
        end if;
    end if;
    -- the phase starts at 8 o'clock on its first day: the invitation goes out then (or now, if that
    -- has passed), and the link's days and the reminder count from then
    v_from := greatest(v_now, (v_phase.start_date + time '08:00') at time zone v_timezone);
    perform app_private.retire_feedback_tokens(p_phase_id);

    v_days := (app.effective_setting('sample.feedback.tokenDays', v_lead.tenant_id, app.current_org_id(), null) #>> '{}')::integer;
    v_reminder_days := (
        app.effective_setting('sample.feedback.reminderDays', v_lead.tenant_id, app.current_org_id(), null) #>> '{}'
    )::integer;
    -- 32 random bytes, URL-safe base64 without padding: 43 characters
    v_raw := rtrim(translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/', '-_'), '=');
    insert into app_private.feedback_tokens (
        tenant_id, lead_id, phase_id, token_hash, created_by, created_at, expires_at, max_submissions
    )
    values (
        v_lead.tenant_id, v_lead.id, v_phase.id, extensions.digest(v_raw, 'sha256'), app.current_user_id(), v_now,
        -- whole days in the tenant's time zone, whatever the session's
        ((v_from at time zone v_timezone) + make_interval(days => v_days)) at time zone v_timezone,
        (app.effective_setting('sample.feedback.maxSubmissions', v_lead.tenant_id, app.current_org_id(), null) #>> '{}')::integer
    )
    returning * into v_token;

    select d.contact_email, d.contact_name into v_email, v_contact
    from app.lead_details as d where d.lead_id = v_lead.id;
    -- no mail to a pseudonymised address (its hash has no @)
    if v_email like '%@%' then
        v_payload := jsonb_build_object(
            'company_name', v_lead.company_name,
            'contact_name', v_contact,
            'recipient_name', coalesce(v_contact, ''),
            'stage', v_phase.stage,
            'link', app.feedback_link(v_raw),
            'expires_at', v_token.expires_at,
            'timezone', v_timezone,
            'sender_name', (select u.display_name from app.users as u where u.id = app.current_user_id()),
            'products', (
                select jsonb_agg(p.name order by p.name)
                from app.sample_box_items as i
                inner join app.products as p on i.tenant_id = p.tenant_id and i.sku = p.sku
                where i.box_id = v_phase.box_id
            )
        );
        insert into app.jobs (tenant_id, kind, to_address, template, payload, dedupe_key, next_attempt_at, lead_id)
        values (
            v_lead.tenant_id, 'mail.send', v_email, 'feedback_invitation', v_payload, 'feedback_invitation:' || v_token.id,
            v_from, v_lead.id
        );
        -- one reminder, if the link still works by then and nobody has answered yet; cancelled when
        -- feedback arrives
        if v_reminder_days < v_days
            and not exists (select from app.feedback_submissions as s where s.phase_id = v_phase.id) then
            insert into app.jobs (tenant_id, kind, to_address, template, payload, dedupe_key, next_attempt_at, lead_id)
            values (
                v_lead.tenant_id, 'mail.send', v_email, 'feedback_reminder', v_payload, 'feedback_reminder:' || v_token.id,
                ((v_from at time zone v_timezone) + make_interval(days => v_reminder_days)) at time zone v_timezone,
                v_lead.id
            );
        end if;
    end if;

    perform app_private.write_audit(
        v_lead.tenant_id, p_action, 'test_phase', v_phase.id, v_lead.id, null,
        jsonb_build_object(
            'token_id', v_token.id, 'expires_at', v_token.expires_at, 'max_submissions', v_token.max_submissions,
            -- whether the lead's contact is mailed, never the address: the audit outlives pseudonymisation
            'invitation_queued', coalesce(v_email like '%@%', false)
        ),
        null, false
    );
    return v_raw;
end
$$;

--
-- Name: FUNCTION issue_feedback_token(p_phase_id uuid, p_action text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.issue_feedback_token(p_phase_id uuid, p_action text) IS 'Issues a feedback link for a test phase the caller may change (revoking the previous one), queues the invitation and reminder mails (which hold the link only while pending), audits; returns the raw token.';

--
-- Name: job_health(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.job_health() RETURNS TABLE(job_name text, healthy boolean, last_succeeded_at timestamp with time zone, last_failed_at timestamp with time zone, last_error text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select
        h.job_name,
        -- the daily sweep must have succeeded in the last 26 hours (or the job be younger than that)
        h.job_name <> 'sweep' or coalesce(h.last_succeeded_at, h.created_at) > app.now() - interval '26 hours',
        h.last_succeeded_at,
        h.last_failed_at,
        h.last_error
    from app.job_heartbeats as h
    order by h.job_name
$$;

--
-- Name: FUNCTION job_health(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.job_health() IS 'Per job: healthy, last success and failure (for /health).';

--
-- Name: link_xentral_customer(uuid, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.link_xentral_customer(p_lead_id uuid, p_customer_id text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
    v_lead app.leads;
    v_before text;
begin
    -- a definer: the caller's tenant and right are checked here again (direct SQL is the threat model)
    v_lead := app_private.my_tenants_lead(p_lead_id);
    perform app.require_owner_or_manager(v_lead);
    if p_customer_id is not null and p_customer_id !~ '^[0-9]{1,20}$' then
        perform app.raise_error(
            'FP812', 400, 'xentral_customer_id must be a Xentral customer id (digits).', 'xentral_customer_id'
        );
    end if;
    select d.xentral_customer_id into v_before from app.lead_details as d where d.lead_id = v_lead.id;
    insert into app.lead_details as d (lead_id, tenant_id, xentral_customer_id)
    values (v_lead.id, v_lead.tenant_id, p_customer_id)
    on conflict (lead_id) do update set xentral_customer_id = excluded.xentral_customer_id;
    if v_before is distinct from p_customer_id then
        perform app_private.write_audit(
            v_lead.tenant_id, 'lead.xentral_linked', 'lead', v_lead.id, v_lead.id,
            jsonb_build_object('xentral_customer_id', v_before),
            jsonb_build_object('xentral_customer_id', p_customer_id), null, false
        );
    end if;
end
$_$;

--
-- Name: FUNCTION link_xentral_customer(p_lead_id uuid, p_customer_id text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.link_xentral_customer(p_lead_id uuid, p_customer_id text) IS 'Stores the Xentral customer of a lead of the caller''s tenant (owner or manager), audited when it changes.';

--
-- Name: lock_lead(uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.lock_lead(p_lead_id uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$ select from app.leads as l where l.id = p_lead_id and l.tenant_id = app.current_tenant_id() for update $$;

--
-- Name: FUNCTION lock_lead(p_lead_id uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.lock_lead(p_lead_id uuid) IS 'Locks a lead of the caller''s tenant, so concurrent decisions on one lead happen one after the other.';

--
-- Name: log_mail_received(app.inbound_mails); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.log_mail_received(p_mail app.inbound_mails) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_lead app.leads;
begin
    select l.* into v_lead from app.leads as l where l.id = p_mail.lead_id for update;
    insert into app.activities (tenant_id, lead_id, assignment_id, kind, occurred_at, note)
    values (
        p_mail.tenant_id, p_mail.lead_id, v_lead.assignment_id, 'EMAIL_RECEIVED',
        least(coalesce(p_mail.sent_at, p_mail.received_at), p_mail.received_at),
        left(format('E-Mail von %s: %s', coalesce(p_mail.from_address, 'unbekannt'), coalesce(p_mail.subject, '')), 5000)
    );
end
$$;

--
-- Name: FUNCTION log_mail_received(p_mail app.inbound_mails); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.log_mail_received(p_mail app.inbound_mails) IS 'Logs the EMAIL_RECEIVED activity of a matched inbound mail.';

--
-- Name: mail_to_classify(uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.mail_to_classify(p_mail_id uuid) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select jsonb_build_object(
        'mail_id', m.id,
        'subject', coalesce(m.subject, ''),
        'body', left(m.body_text, 20000),
        'owner', case when u.active then
            jsonb_build_object('sub', u.id, 'role', u.role, 'tenant_id', u.tenant_id, 'org_id', u.org_id)
        end
    )
    from app.inbound_mails as m
    inner join app.leads as l on m.lead_id = l.id
    left join app.users as u on l.owner_id = u.id
    where m.id = p_mail_id and m.classified_at is null and l.pseudonymized_at is null
$$;

--
-- Name: FUNCTION mail_to_classify(p_mail_id uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.mail_to_classify(p_mail_id uuid) IS 'The text of a mail to classify and its lead owner''s identity (owner null: none active; null: nothing to do).';

--
-- Name: metric_samples(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.metric_samples() RETURNS TABLE(metric text, labels jsonb, value double precision)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    with tenant as (
        select
            t.id,
            t.slug,
            (app.now() at time zone c.timezone)::date as today,
            k.day,
            k.leads_active,
            k.leads_grace,
            k.leads_expired,
            k.leads_unassigned,
            k.expiries,
            k.ai_calls_small,
            k.ai_calls_large,
            k.ai_cost_eur,
            k.credit_p95_ms,
            k.computed_at
        from app.tenants as t
        inner join app.protection_configs as c on t.id = c.tenant_id
        -- the last snapshot taken (today's, or the last day's before today's first run)
        left join lateral (
            select d.* from app.kpi_daily as d
            where d.tenant_id = t.id
            order by d.day desc
            limit 1
        ) as k on true
    ),

    totals as (
        select
            d.tenant_id,
            sum(d.ai_calls_small) as small,
            sum(d.ai_calls_large) as large,
            sum(d.ai_cache_hits) as hits
        from app.kpi_daily as d
        group by d.tenant_id
    ),

    backlog as (
        select
            j.tenant_id,
            j.kind,
            count(*) as jobs
        from app.jobs as j
        where j.state in ('PENDING', 'RUNNING')
        group by j.tenant_id, j.kind
    ),

    integration as (
        select
            t.slug,
            c.connector,
            s.down_since,
            app.connector_state(
                c.configured, s.last_success_at, s.last_error_at,
                app.connector_troubled(c.connector, t.id, s.last_success_at)
            ) as state
        from tenant as t
        cross join app.connectors as c
        left join app.connector_states as s on t.id = s.tenant_id and c.connector = s.connector
        where c.configured
    ),

    budget as (
        select
            t.slug,
            o.id as org_id,
            coalesce(b.spent_eur, 0) as spent_eur,
            (app.effective_setting('ai.budget.monthly.cap', t.id, o.id, null) #>> '{}')::numeric as cap_eur
        from tenant as t
        inner join app.orgs as o on t.id = o.tenant_id
        left join app.ai_budget_months as b on o.id = b.org_id and b.month = app.ai_month(t.id, app.now())
    )

    select
        'freshplan_lead_protection_' || s.status || '_count',
        jsonb_build_object('tenant', t.slug),
        s.leads::double precision
    from tenant as t
    cross join lateral (
        values
        ('active', t.leads_active), ('grace', t.leads_grace), ('expired', t.leads_expired),
        ('unassigned', t.leads_unassigned)
    ) as s (status, leads)
    where s.leads is not null

    union all
    select
        'freshplan_lead_protection_expiries_day',
        jsonb_build_object('tenant', t.slug),
        case when t.day = t.today then t.expiries else 0 end
    from tenant as t

    union all
    select
        'freshplan_ai_cost_eur_day',
        jsonb_build_object('tenant', t.slug),
        case when t.day = t.today then t.ai_cost_eur else 0 end
    from tenant as t

    union all
    select
        'freshplan_ai_small_large_ratio',
        jsonb_build_object('tenant', t.slug),
        t.ai_calls_small::double precision / t.ai_calls_large
    from tenant as t
    where t.day = t.today and t.ai_calls_large > 0

    union all
    select
        'freshplan_ai_calls_total',
        jsonb_build_object('tenant', t.slug, 'tier', c.tier),
        coalesce(c.calls, 0)
    from tenant as t
    left join totals as s on t.id = s.tenant_id
    cross join lateral (values ('small', s.small), ('large', s.large)) as c (tier, calls)

    union all
    select
        'freshplan_ai_cache_hits_total',
        jsonb_build_object('tenant', t.slug),
        coalesce(s.hits, 0)
    from tenant as t
    left join totals as s on t.id = s.tenant_id

    union all
    select
        'freshplan_credit_check_p95_ms',
        jsonb_build_object('tenant', t.slug),
        t.credit_p95_ms
    from tenant as t
    where t.day = t.today and t.credit_p95_ms is not null

    union all
    select
        'freshplan_kpi_snapshot_age_seconds',
        jsonb_build_object('tenant', t.slug),
        extract(epoch from app.now() - t.computed_at)
    from tenant as t
    where t.computed_at is not null

    union all
    select
        'freshplan_integration_jobs_backlog',
        jsonb_build_object('tenant', t.slug, 'kind', k.kind),
        coalesce(b.jobs, 0)
    from tenant as t
    cross join app.job_kinds as k
    left join backlog as b on t.id = b.tenant_id and k.kind = b.kind

    union all
    select
        'freshplan_job_heartbeat_age_seconds',
        jsonb_build_object('job', h.job_name),
        greatest(extract(epoch from app.now() - coalesce(h.last_succeeded_at, h.created_at)), 0)
    from app.job_heartbeats as h

    union all
    select
        'freshplan_job_heartbeat_interval_seconds',
        jsonb_build_object('job', h.job_name),
        app.cron_interval_seconds(h.schedule)
    from app.job_heartbeats as h

    union all
    select
        'freshplan_ai_budget_used_percent',
        jsonb_build_object('tenant', b.slug, 'org', b.org_id),
        round(100 * b.spent_eur / b.cap_eur, 4)
    from budget as b
    where b.cap_eur > 0

    union all
    select
        'freshplan_integration_up',
        jsonb_build_object('tenant', i.slug, 'connector', i.connector),
        case when i.state = 'down' then 0 else 1 end
    from integration as i

    union all
    select
        'freshplan_integration_down_seconds',
        jsonb_build_object('tenant', i.slug, 'connector', i.connector),
        case when i.state = 'down' then greatest(extract(epoch from app.now() - i.down_since), 0) else 0 end
    from integration as i

    -- the thresholds, so that the Prometheus rules compare with the tenant's own values
    union all
    select
        'freshplan_alert_threshold',
        jsonb_build_object('tenant', t.slug, 'setting', r.key),
        (app.effective_setting(r.key, t.id, null, null) #>> '{}')::double precision
    from app.settings_registry as r
    cross join tenant as t
    where r.key like 'alert.%' and 'tenant' = any(r.allowed_scopes)

    union all
    select
        'freshplan_alert_threshold',
        jsonb_build_object('setting', r.key),
        (app.effective_setting(r.key, null, null, null) #>> '{}')::double precision
    from app.settings_registry as r
    where r.key like 'alert.%' and not 'tenant' = any(r.allowed_scopes)
$$;

--
-- Name: FUNCTION metric_samples(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.metric_samples() IS 'Every figure of /metrics from the database (SPEC 9): lead counts, AI, credit checks from the KPI snapshots; backlog, heartbeats, budgets, connectors and the alert thresholds from small tables.';

--
-- Name: my_collaborations(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.my_collaborations() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$ select c.lead_id from app.collaborators as c where c.user_id = app.current_user_id() $$;

--
-- Name: FUNCTION my_collaborations(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.my_collaborations() IS 'Leads the caller collaborates on.';

--
-- Name: my_tenants_lead(uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.my_tenants_lead(p_lead_id uuid) RETURNS app.leads
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_lead app.leads;
begin
    select l.* into v_lead from app.leads as l
    where l.id = p_lead_id and l.tenant_id = app.current_tenant_id()
    for update;
    if v_lead.id is null then
        perform app.raise_error('FP305', 404, 'The lead does not exist.', 'lead_id');
    end if;
    return v_lead;
end
$$;

--
-- Name: FUNCTION my_tenants_lead(p_lead_id uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.my_tenants_lead(p_lead_id uuid) IS 'Locks and returns a lead of the caller''s tenant (whoever owns it), or raises FP305.';

--
-- Name: notify(uuid, uuid, text, uuid, text, text, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.notify(p_tenant_id uuid, p_user_id uuid, p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_stack text;
begin
    get diagnostics v_stack = pg_context;
    perform app_private.require_our_caller(v_stack);
    insert into app.notifications (tenant_id, user_id, kind, lead_id, subject, body, dedupe_key)
    select p_tenant_id, u.id, p_kind, p_lead_id, p_subject, p_body, p_dedupe_key
    from app.users as u
    where
        u.id = p_user_id and u.tenant_id = p_tenant_id and u.active
        -- a user's request may notify only their own tenant
        and (app.current_tenant_id() is null or p_tenant_id = app.current_tenant_id())
    on conflict (user_id, dedupe_key) where dedupe_key is not null do nothing;
end
$$;

--
-- Name: FUNCTION notify(p_tenant_id uuid, p_user_id uuid, p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.notify(p_tenant_id uuid, p_user_id uuid, p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text) IS 'Creates a notification for an active user of the tenant (once per dedupe key); only our functions may call it.';

--
-- Name: notify_roles(uuid, text[], text, uuid, text, text, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.notify_roles(p_tenant_id uuid, p_roles text[], p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_stack text;
begin
    get diagnostics v_stack = pg_context;
    perform app_private.require_our_caller(v_stack);
    perform app_private.notify(p_tenant_id, u.id, p_kind, p_lead_id, p_subject, p_body, p_dedupe_key)
    from app.users as u
    where u.tenant_id = p_tenant_id and u.role = any(p_roles) and u.active;
end
$$;

--
-- Name: FUNCTION notify_roles(p_tenant_id uuid, p_roles text[], p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.notify_roles(p_tenant_id uuid, p_roles text[], p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text) IS 'Notifies every active user of the tenant who has one of the roles.';

--
-- Name: open_assignment(uuid, uuid, timestamp with time zone, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.open_assignment(p_lead_id uuid, p_owner_id uuid, p_registered_at timestamp with time zone, p_open_reason text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_id uuid;
begin
    insert into app.lead_assignments (tenant_id, lead_id, owner_id, registered_at, open_reason, opened_by)
    select l.tenant_id, l.id, p_owner_id, p_registered_at, p_open_reason, app.current_user_id()
    from app.leads as l
    where l.id = p_lead_id
    returning id into v_id;
    update app.leads set released_at = null where id = p_lead_id;
    return v_id;
end
$$;

--
-- Name: FUNCTION open_assignment(p_lead_id uuid, p_owner_id uuid, p_registered_at timestamp with time zone, p_open_reason text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.open_assignment(p_lead_id uuid, p_owner_id uuid, p_registered_at timestamp with time zone, p_open_reason text) IS 'Starts a protection cycle for an owner (the unique index refuses a second open one).';

--
-- Name: phase_for_sample_write(uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.phase_for_sample_write(p_phase_id uuid) RETURNS app.test_phases
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_phase app.test_phases;
    v_lead app.leads;
begin
    select ph.* into v_phase from app.test_phases as ph
    where ph.id = p_phase_id and ph.tenant_id = app.current_tenant_id();
    if v_phase.id is null then
        perform app.raise_error('FP904', 404, 'The test phase does not exist.', 'phase_id');
    end if;
    -- lead before phase before token: the order every sample and feedback path locks in
    select l.* into v_lead from app.leads as l where l.id = v_phase.lead_id for update;
    select ph.* into v_phase from app.test_phases as ph where ph.id = p_phase_id for update;
    if app.current_web_role() = 'sales_manager' then
        return v_phase;
    end if;
    if app.current_web_role() = 'sales_rep' and v_lead.owner_id = app.current_user_id()
        and app.lead_status(v_lead, app.my_protection_config(), app.now()) in ('ACTIVE', 'GRACE') then
        return v_phase;
    end if;
    perform app.raise_error('FP102', 403, 'Only the owner of the lead or a manager may do this.', 'phase_id');
    return null;
end
$$;

--
-- Name: FUNCTION phase_for_sample_write(p_phase_id uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.phase_for_sample_write(p_phase_id uuid) IS 'Locks and returns a test phase the caller may change (manager, or owner of the live lead); FP904/FP102.';

--
-- Name: place_sales_order(uuid, jsonb, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.place_sales_order(p_lead_id uuid, p_items jsonb, p_note text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_lead app.leads;
    v_customer text;
    v_item record;
    v_field text;
    v_product app.products;
    v_lines jsonb := '[]'::jsonb;
    v_note text := nullif(btrim(p_note), '');
    v_order app.sales_orders;
begin
    -- a definer: tenant, role and the owner's live lead are checked here again
    v_lead := app_private.my_tenants_lead(p_lead_id);
    if not (
        app.current_web_role() = 'sales_manager'
        or app.current_web_role() = 'sales_rep' and v_lead.owner_id = app.current_user_id()
        and app.lead_status(v_lead, app.my_protection_config(), app.now()) in ('ACTIVE', 'GRACE')
    ) then
        perform app.raise_error('FP102', 403, 'Only the owner of the lead or a manager may do this.', 'lead_id');
    end if;
    if not exists (select from app.connectors as c where c.connector = 'xentral' and c.configured) then
        perform app.raise_error(
            'FP811', 409, 'The connector is not configured: no worker has its credentials.', 'lead_id'
        );
    end if;
    select d.xentral_customer_id into v_customer from app.lead_details as d where d.lead_id = v_lead.id;
    if v_customer is null then
        perform app.raise_error(
            'FP813', 409, 'The lead is not linked to a Xentral customer.', 'lead_id',
            'Link it first: link_xentral_customer(lead_id, xentral_customer_id).'
        );
    end if;
    if p_items is null or jsonb_typeof(p_items) <> 'array' or jsonb_array_length(p_items) = 0 then
        perform app.raise_error('FP814', 400, 'items must be a non-empty array of {"sku", "qty"} objects.', 'items');
    end if;
    if jsonb_array_length(p_items) > 100 then
        perform app.raise_error('FP814', 400, 'An order has at most 100 positions.', 'items');
    end if;
    if char_length(v_note) > 2000 then
        perform app.raise_error('FP301', 400, 'note must have at most 2000 characters.', 'note');
    end if;
    for v_item in
        select e.value, e.ordinality - 1 as i from jsonb_array_elements(p_items) with ordinality as e
    loop
        v_field := format('items[%s]', v_item.i);
        if jsonb_typeof(v_item.value) <> 'object' or exists (
            select from jsonb_object_keys(v_item.value) as k where k not in ('sku', 'qty')
        ) then
            perform app.raise_error('FP814', 400, v_field || ' must be an object with sku and qty only.', v_field);
        end if;
        if jsonb_typeof(v_item.value -> 'sku') is distinct from 'string' then
            perform app.raise_error('FP814', 400, v_field || '.sku must be a text.', v_field || '.sku');
        end if;
        if jsonb_typeof(v_item.value -> 'qty') is distinct from 'number'
            or (v_item.value ->> 'qty')::numeric not between 1 and 100000
            or (v_item.value ->> 'qty')::numeric <> trunc((v_item.value ->> 'qty')::numeric) then
            perform app.raise_error(
                'FP814', 400, v_field || '.qty must be a whole number from 1 to 100000.', v_field || '.qty'
            );
        end if;
        select p.* into v_product from app.products as p
        where p.tenant_id = v_lead.tenant_id and p.sku = v_item.value ->> 'sku' and p.active;
        if v_product.sku is null or v_product.xentral_id is null then
            perform app.raise_error(
                'FP815', 400,
                format('%s is not an active Xentral product of your tenant.', left(v_item.value ->> 'sku', 64)),
                v_field || '.sku', 'See api.products (synced from Xentral).'
            );
        end if;
        if v_lines @> jsonb_build_array(jsonb_build_object('sku', v_product.sku)) then
            perform app.raise_error('FP814', 400, format('%s is listed twice.', v_product.sku), v_field || '.sku');
        end if;
        v_lines := v_lines || jsonb_build_array(jsonb_build_object(
            'sku', v_product.sku, 'qty', (v_item.value ->> 'qty')::integer, 'name', v_product.name,
            'xentral_id', v_product.xentral_id, 'net_price', v_product.net_price, 'currency', v_product.currency
        ));
    end loop;

    if (select count(distinct e.value ->> 'currency') from jsonb_array_elements(v_lines) as e) > 1 then
        perform app.raise_error('FP814', 400, 'The products of one order must have one currency.', 'items');
    end if;
    insert into app.sales_orders (tenant_id, lead_id, xentral_customer_id, items, note, created_by)
    values (v_lead.tenant_id, v_lead.id, v_customer, v_lines, v_note, app.current_user_id())
    returning * into v_order;
    insert into app.jobs (tenant_id, kind, payload, dedupe_key, lead_id)
    values (
        v_lead.tenant_id, 'xentral.order', jsonb_build_object('order_id', v_order.id),
        'xentral.order:' || v_order.id, v_lead.id
    );
    perform app_private.write_audit(
        v_lead.tenant_id, 'sales_order.created', 'sales_order', v_order.id, v_lead.id, null,
        jsonb_build_object(
            'number', v_order.number, 'xentral_customer_id', v_customer, 'items', v_lines, 'note', v_note
        ),
        null, false
    );
    return v_order.id;
end
$$;

--
-- Name: FUNCTION place_sales_order(p_lead_id uuid, p_items jsonb, p_note text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.place_sales_order(p_lead_id uuid, p_items jsonb, p_note text) IS 'Stores a sales order of a lead of the caller''s tenant (owner of a live lead, or a manager), queues its submission to Xentral and audits it; returns its id.';

--
-- Name: product_items(jsonb); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.product_items(p_items jsonb) RETURNS TABLE(xentral_id text, sku text, name text, unit text, active boolean, net_price numeric, currency text, usable boolean)
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $_$
    select
        i.xentral_id, i.sku, left(btrim(i.name), 200),
        left(coalesce(nullif(btrim(i.unit), ''), 'Stück'), 30),
        coalesce(i.active, false), i.net_price, i.currency,
        coalesce(
            i.xentral_id ~ '^[0-9]{1,20}$' and i.sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'
            and btrim(i.name) <> '' and (i.net_price is null) = (i.currency is null)
            and coalesce(i.net_price >= 0 and i.net_price < 1e10 and i.currency ~ '^[A-Z]{3}$', true),
            false
        )
    from jsonb_to_recordset(p_items) as i (
        xentral_id text, sku text, name text, unit text, active boolean, net_price numeric, currency text
    )
$_$;

--
-- Name: FUNCTION product_items(p_items jsonb); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.product_items(p_items jsonb) IS 'The items of a product page as app.products would hold them, and whether each is usable.';

--
-- Name: product_sync_plan(uuid, interval); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.product_sync_plan(p_tenant_id uuid, p_overlap interval) RETURNS TABLE(full_pull boolean, updated_since timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select
        s.synced_since is null or s.last_full_sync_at is null
        or s.last_full_sync_at < pg_catalog.now() - interval '1 day',
        s.synced_since - p_overlap
    from (select p_tenant_id as tenant_id) as t
    left join app.connector_states as s on s.tenant_id = t.tenant_id and s.connector = 'xentral'
$$;

--
-- Name: FUNCTION product_sync_plan(p_tenant_id uuid, p_overlap interval); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.product_sync_plan(p_tenant_id uuid, p_overlap interval) IS 'Whether the next product sync of a tenant is a full pull, and otherwise since when to ask for changes.';

--
-- Name: pseudonymize_inbound_mails(uuid[]); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.pseudonymize_inbound_mails(p_leads uuid[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    update app.inbound_mails as m
    set
        from_address = pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(m.from_address, 'UTF8')), 'hex'),
        from_name = null,
        subject = null,
        body_text = ''
    where m.lead_id = any(p_leads) and m.from_address is not null;
    update app.inbound_mails as m set from_name = null, subject = null, body_text = ''
    where m.lead_id = any(p_leads) and m.from_address is null;
    update app.activities as a set note = 'E-Mail vom Kunden (pseudonymisiert).'
    where a.lead_id = any(p_leads) and a.kind = 'EMAIL_RECEIVED';
    update app.notifications as n
    set body = 'Eine E-Mail zu diesem Lead ist eingegangen (pseudonymisiert).'
    where n.lead_id = any(p_leads) and n.kind = 'MAIL_TO_CONFIRM';
$$;

--
-- Name: FUNCTION pseudonymize_inbound_mails(p_leads uuid[]); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.pseudonymize_inbound_mails(p_leads uuid[]) IS 'Blanks the personal data of the inbound mails (and their activities and tasks) of pseudonymised leads.';

--
-- Name: pseudonymize_released_leads(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.pseudonymize_released_leads() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_due uuid[];
    v_lead uuid;
    v_count integer;
begin
    select coalesce(array_agg(l.id order by l.id), '{}') into v_due
    from (
        select l.id
        from app.leads as l
        inner join app.protection_configs as c on l.tenant_id = c.tenant_id
        where
            l.owner_id is null and l.released_at is not null and l.pseudonymized_at is null
            and l.released_at <= app.now() - make_interval(days => c.pseudonymize_after_days)
        order by l.id
        for update of l
    ) as l;

    update app.lead_details as d
    set
        contact_email = pg_catalog.encode(
            pg_catalog.sha256(pg_catalog.convert_to(lower(d.contact_email), 'UTF8')), 'hex'
        ),
        contact_phone = null,
        notes = null,
        contact_name = 'ANONYMIZED'
    where d.lead_id = any(v_due);

    -- who gave feedback is personal data too
    update app.feedback_submissions as s
    set contact_name = 'ANONYMIZED'
    where s.lead_id = any(v_due) and s.contact_name is not null;
    update app.product_feedback as f
    set contact_name = 'ANONYMIZED'
    where f.lead_id = any(v_due) and f.contact_name is not null;

    -- a link still open (released before links were revoked on release) stops working
    foreach v_lead in array v_due loop
        perform app_private.retire_lead_feedback_tokens(v_lead, 'lead.pseudonymized', true);
    end loop;

    update app.jobs as j
    set
        to_address = case
            when j.to_address like '%@%'
                then pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(lower(j.to_address), 'UTF8')), 'hex')
            else j.to_address
        end,
        payload = '{}',
        last_error = case
            when j.last_error is not null or j.state = 'PARKED'
                then 'Removed when the lead''s contact data was pseudonymised (GDPR).'
        end,
        state = case when j.state = 'PARKED' then 'CANCELLED' else j.state end
    where
        j.lead_id = any(v_due) and j.kind = 'mail.send' and j.state in ('DONE', 'PARKED', 'CANCELLED');

    -- and customers' replies (R__86_inbound_mail.sql)
    perform app_private.pseudonymize_inbound_mails(v_due);

    update app.leads as l
    set pseudonymized_at = app.now()
    where l.id = any(v_due);

    insert into app.audit_log (tenant_id, action, entity_type, entity_id, lead_id, reason)
    select l.tenant_id, 'lead.pseudonymized', 'lead', l.id, l.id, 'Contact data pseudonymised after release (GDPR).'
    from app.leads as l
    where l.id = any(v_due)
    order by l.id;
    get diagnostics v_count = row_count;
    return jsonb_build_object('pseudonymized', v_count);
end
$$;

--
-- Name: FUNCTION pseudonymize_released_leads(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.pseudonymize_released_leads() IS 'Pseudonymises contact data of leads released longer than lead.gdpr.pseudonymizeAfterDays ago, with the names in their feedback, revokes their feedback links and blanks their finished mails and customers'' replies.';

--
-- Name: purge_cron_log(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.purge_cron_log() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
    v_count integer := 0;
    v_log regclass := pg_catalog.to_regclass('cron.job_run_details');
begin
    -- pg_cron exists only in cron.database_name; elsewhere there is nothing to purge.
    if v_log is not null then
        execute format('delete from %s where end_time < $1', v_log) using app.now() - interval '14 days';
        get diagnostics v_count = row_count;
    end if;
    return jsonb_build_object('purged', v_count);
end
$_$;

--
-- Name: FUNCTION purge_cron_log(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.purge_cron_log() IS 'Deletes pg_cron run records older than 14 days.';

--
-- Name: queue_mail_classification(app.inbound_mails); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.queue_mail_classification(p_mail app.inbound_mails) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    insert into app.jobs (tenant_id, kind, payload, lead_id)
    values (p_mail.tenant_id, 'ai.classify_mail', jsonb_build_object('mail_id', p_mail.id), p_mail.lead_id)
$$;

--
-- Name: FUNCTION queue_mail_classification(p_mail app.inbound_mails); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.queue_mail_classification(p_mail app.inbound_mails) IS 'Queues the AI classification of a matched inbound mail (job ai.classify_mail).';

--
-- Name: reap_stale_jobs(interval); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.reap_stale_jobs(p_after interval DEFAULT '00:05:00'::interval) RETURNS integer
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    with reaped as (
        update app.jobs as j
        set
            state = 'PARKED',
            finished_at = pg_catalog.now(),
            last_error = 'The worker stopped during the call; the outcome is unknown. Check the target system, '
            || 'then re-queue the job if it did not happen.'
        where
            j.state = 'RUNNING'
            and j.started_at < pg_catalog.now() - p_after
            and not exists (
                select from app.worker_heartbeats as w
                where w.worker_id = j.locked_by and w.last_seen_at > pg_catalog.now() - p_after
            )
        returning 1
    )
    select count(*)::integer from reaped
$$;

--
-- Name: FUNCTION reap_stale_jobs(p_after interval); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.reap_stale_jobs(p_after interval) IS 'Parks RUNNING jobs whose worker has not been seen for p_after (the outcome of their call is unknown).';

--
-- Name: reassign_lead(uuid, uuid, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.reassign_lead(p_lead_id uuid, p_new_owner_id uuid, p_reason text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_lead app.leads;
begin
    perform app.require_role(array['sales_manager', 'tenant_admin']);
    v_lead := app_private.my_tenants_lead(p_lead_id);
    if app.current_web_role() = 'tenant_admin' and v_lead.owner_id is not null then
        perform app.raise_error('FP102', 403, 'Tenant admins assign pool leads only.', 'lead_id');
    end if;
    if not exists (
        select from app.users as u
        where u.id = p_new_owner_id and u.tenant_id = v_lead.tenant_id and u.role = 'sales_rep' and u.active
    ) then
        perform app.raise_error('FP704', 400, 'new_owner_id must be an active sales rep of your tenant.', 'new_owner_id');
    end if;
    if p_new_owner_id = v_lead.owner_id then
        perform app.raise_error('FP704', 409, 'The lead already belongs to this rep.', 'new_owner_id');
    end if;
    if v_lead.owner_id is not null then
        perform app_private.close_assignment(v_lead.id, 'TRANSFERRED', null, false);
        -- Collaborators stay, except the new owner, who now owns the lead. (Pool leads have none.)
        delete from app.collaborators as c where c.lead_id = v_lead.id and c.user_id = p_new_owner_id;
    end if;
    perform app_private.open_assignment(
        v_lead.id, p_new_owner_id, app.now(), case when v_lead.owner_id is null then 'ASSIGNED' else 'TRANSFERRED' end
    );
    perform app_private.notify(
        v_lead.tenant_id, p_new_owner_id, 'LEAD_ASSIGNED', v_lead.id,
        format('Neuer Lead: %s', v_lead.company_name),
        format('Ihnen wurde der Lead %s übertragen.', v_lead.company_name),
        'LEAD_ASSIGNED:' || v_lead.id || ':' || app.now()
    );
    perform app_private.write_audit(
        v_lead.tenant_id, 'lead.transferred', 'lead', v_lead.id, v_lead.id,
        jsonb_build_object('owner_id', v_lead.owner_id), jsonb_build_object('owner_id', p_new_owner_id),
        p_reason, false
    );
    -- the former owner's feedback links do not reach into the new owner's cycle
    perform app_private.retire_lead_feedback_tokens(v_lead.id, 'lead.transferred', false);
end
$$;

--
-- Name: FUNCTION reassign_lead(p_lead_id uuid, p_new_owner_id uuid, p_reason text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.reassign_lead(p_lead_id uuid, p_new_owner_id uuid, p_reason text) IS 'Gives a lead to a rep with a fresh cycle (managers: any lead of the tenant; tenant admins: pool leads) and revokes the feedback links of the former cycle.';

--
-- Name: record_connector_calls(uuid, text, jsonb); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.record_connector_calls(p_tenant_id uuid, p_connector text, p_calls jsonb) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    insert into app.connector_calls (tenant_id, connector, operation, started_at, duration_ms, outcome)
    select
        p_tenant_id,
        p_connector,
        c.value ->> 'operation',
        pg_catalog.clock_timestamp() - make_interval(secs => (c.value ->> 'ms')::float8 / 1000),
        (c.value ->> 'ms')::numeric,
        c.value ->> 'outcome'
    from jsonb_array_elements(case when jsonb_typeof(p_calls) = 'array' then p_calls else '[]' end) as c
$$;

--
-- Name: FUNCTION record_connector_calls(p_tenant_id uuid, p_connector text, p_calls jsonb); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.record_connector_calls(p_tenant_id uuid, p_connector text, p_calls jsonb) IS 'Records the latency and outcome of upstream calls: [{"operation", "ms", "outcome"}].';

--
-- Name: record_connector_error(uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.record_connector_error(p_tenant_id uuid, p_connector text, p_error text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    insert into app.connector_states as s (tenant_id, connector, last_error_at, last_error)
    -- the clock, not the transaction's start: it is ordered against the last success
    values (p_tenant_id, p_connector, pg_catalog.clock_timestamp(), left(coalesce(p_error, 'unknown error'), 2000))
    on conflict (tenant_id, connector) do update
    set last_error_at = excluded.last_error_at, last_error = excluded.last_error
$$;

--
-- Name: FUNCTION record_connector_error(p_tenant_id uuid, p_connector text, p_error text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.record_connector_error(p_tenant_id uuid, p_connector text, p_error text) IS 'Records a failed call or sync of a connector for a tenant (api.integration_status shows it).';

--
-- Name: record_connector_success(uuid, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.record_connector_success(p_tenant_id uuid, p_connector text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    insert into app.connector_states as s (tenant_id, connector, last_success_at)
    values (p_tenant_id, p_connector, pg_catalog.clock_timestamp())
    on conflict (tenant_id, connector) do update set last_success_at = excluded.last_success_at
$$;

--
-- Name: FUNCTION record_connector_success(p_tenant_id uuid, p_connector text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.record_connector_success(p_tenant_id uuid, p_connector text) IS 'Records a successful call of a connector for a tenant (a sync records its own, with its result).';

--
-- Name: record_imap_error(text, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.record_imap_error(p_mailbox text, p_error text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select app_private.record_connector_error(b.tenant_id, 'mail', p_error)
    from app.imap_mailboxes as b where b.mailbox = p_mailbox
$$;

--
-- Name: FUNCTION record_imap_error(p_mailbox text, p_error text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.record_imap_error(p_mailbox text, p_error text) IS 'Records a failed IMAP run for the mailbox''s tenant (api.integration_status shows it).';

--
-- Name: record_kas_error(text, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.record_kas_error(p_tenant_slug text, p_error text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select app_private.record_connector_error(t.id, 'kas', p_error) from app.tenants as t where t.slug = p_tenant_slug
$$;

--
-- Name: FUNCTION record_kas_error(p_tenant_slug text, p_error text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.record_kas_error(p_tenant_slug text, p_error text) IS 'Records a failed KAS quota check for the tenant of the mailbox (api.integration_status shows it).';

--
-- Name: record_mail_classification(uuid, jsonb); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.record_mail_classification(p_mail_id uuid, p_outcome jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
    v_lead app.leads;
    v_mail app.inbound_mails;
    v_owner app.users;
    v_label text;
    v_confidence numeric;
    v_injection boolean;
    v_threshold numeric;
    v_reason text;
    v_at timestamptz;
begin
    -- lead, then mail (assign_inbound_mail locks an unmatched mail, then its new lead: never this pair,
    -- since a mail is classified only once it has its lead)
    select l.* into v_lead from app.leads as l
    where l.id = (select m.lead_id from app.inbound_mails as m where m.id = p_mail_id)
    for update;
    select m.* into v_mail from app.inbound_mails as m where m.id = p_mail_id for update;
    if v_mail.id is null or v_mail.classified_at is not null or v_lead.id is null then
        return jsonb_build_object('recorded', false);
    end if;
    select u.* into v_owner from app.users as u where u.id = v_lead.owner_id and u.active;
    if p_outcome ? 'error' then
        v_reason := p_outcome ->> 'error';
        if v_reason is null
            or v_reason not in ('budget_exhausted', 'ai_not_configured', 'ai_unavailable', 'ai_refused', 'no_owner')
        then
            raise exception 'unknown classification error %', coalesce(v_reason, 'null')
                using errcode = 'invalid_parameter_value';
        end if;
    else
        v_label := p_outcome ->> 'label';
        v_confidence := (p_outcome ->> 'confidence')::numeric;
        v_injection := (p_outcome ->> 'injection_suspected')::boolean;
        if v_label is null or v_label !~ '^[A-Z][A-Z_]{1,39}$'
            or v_confidence is null or v_confidence not between 0 and 1 or v_injection is null
        then
            raise exception 'not a classification: %', left(p_outcome::text, 200) using errcode = 'invalid_parameter_value';
        end if;
        v_threshold := (
            app.effective_setting('ai.routing.confidence.threshold', v_lead.tenant_id, v_owner.org_id, v_owner.id)
            #>> '{}'
        )::numeric;
        -- every condition stated positively: whatever is unknown ends as a task
        v_reason := case
            when v_injection then 'injection_suspected'
            when v_label not in ('SAMPLE_REQUEST', 'APPOINTMENT', 'ORDER', 'PRICE_QUESTION', 'COMPLAINT')
                then 'not_a_reaction'
            when not coalesce(v_confidence >= v_threshold, false) then 'low_confidence'
            when not coalesce(app.inbound_mail_origin_known(v_mail), false) then 'sender_unverified'
            else 'customer_reaction'
        end;
    end if;
    if v_owner.id is null then
        v_reason := 'no_owner';
    end if;
    update app.inbound_mails as m
    set
        category = v_label,
        category_confidence = round(v_confidence, 4),
        injection_suspected = v_injection,
        ai_call_id = case
            when p_outcome ->> 'call_id' ~ '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' then (p_outcome ->> 'call_id')::uuid
        end,
        classified_at = pg_catalog.clock_timestamp(),
        classification = case when v_reason = 'customer_reaction' then 'reaction' else 'task' end,
        classification_reason = v_reason
    where m.id = v_mail.id
    returning m.* into v_mail;
    if v_reason = 'customer_reaction' then
        -- when the customer wrote (the Date header, never later than its arrival), within this cycle
        select greatest(least(coalesce(v_mail.sent_at, v_mail.received_at), v_mail.received_at), a.registered_at)
        into v_at
        from app.lead_assignments as a where a.id = v_lead.assignment_id;
        insert into app.activities (tenant_id, lead_id, assignment_id, kind, occurred_at, note)
        values (
            v_mail.tenant_id, v_mail.lead_id, v_lead.assignment_id, 'CUSTOMER_REACTION',
            coalesce(v_at, v_mail.received_at),
            format('Kundenreaktion per E-Mail (%s, erkannt von der KI)', v_label)
        );
    elsif v_owner.id is not null then
        insert into app.notifications (tenant_id, user_id, kind, lead_id, subject, body, dedupe_key, channel)
        values (
            v_mail.tenant_id, v_owner.id, 'MAIL_TO_CONFIRM', v_mail.lead_id,
            'Kundenantwort prüfen',
            left(format(
                'Eine E-Mail zu diesem Lead ist eingegangen (Betreff: "%s"; unter Eingegangene E-Mails). '
                'Bitte prüfen Sie, ob sie eine Kundenreaktion ist, und erfassen Sie sie gegebenenfalls als '
                'Aktivität.',
                regexp_replace(coalesce(v_mail.subject, ''), '[\x01-\x1f\x7f-\x9f\u2028\u2029]', ' ', 'g')
            ), 10000),
            'inbound_mail:' || v_mail.id,
            'TASK'
        )
        on conflict (user_id, dedupe_key) where dedupe_key is not null do nothing;
    else
        -- nobody owns the lead now: the managers decide what the reply means for it
        perform app_private.notify_roles(
            v_mail.tenant_id, array['sales_manager'], 'MAIL_TO_CONFIRM', v_mail.lead_id,
            'Kundenantwort ohne Betreuer',
            'Zu einem Lead ohne aktiven Betreuer ist eine E-Mail eingegangen (unter Eingegangene E-Mails).',
            'inbound_mail:' || v_mail.id
        );
    end if;
    perform app_private.write_audit(
        v_mail.tenant_id, 'inbound_mail.classified', 'inbound_mail', v_mail.id, v_mail.lead_id, null,
        jsonb_build_object(
            'category', v_label, 'confidence', v_mail.category_confidence, 'classification', v_mail.classification,
            'reason', v_reason
        ),
        null, false
    );
    return jsonb_build_object('recorded', true, 'classification', v_mail.classification, 'reason', v_reason);
end
$_$;

--
-- Name: FUNCTION record_mail_classification(p_mail_id uuid, p_outcome jsonb); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.record_mail_classification(p_mail_id uuid, p_outcome jsonb) IS 'Records what the AI made of an inbound mail, once: a confident customer reaction of known origin is CUSTOMER_REACTION (progress), anything else a task for the owner (or a notice to the managers); audited.';

--
-- Name: refresh_leads_state(uuid[]); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.refresh_leads_state(p_lead_ids uuid[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_lead_id uuid;
begin
    perform from app.leads as l where l.id = any(p_lead_ids) order by l.id for update;
    if cardinality(p_lead_ids) > 1000 then
        -- many leads (a rule change): one set-based pass over the whole view
        update app.leads as l
        set
            owner_id = s.owner_id, assignment_id = s.assignment_id, registered_at = s.registered_at,
            anchor_at = s.anchor_at, held_since_anchor = s.held_since_anchor,
            held_since_registration = s.held_since_registration, hold_start = s.hold_start,
            hold_end = s.hold_end, hold_reason = s.hold_reason, extension_days = s.extension_days,
            override_until = s.override_until
        from app.lead_state_source as s
        where s.lead_id = l.id and l.id = any(p_lead_ids);
        return;
    end if;
    -- a few leads (every trigger): one lead at a time, so the view is evaluated for that lead only
    -- (an `= any(array)` filter is not pushed into the view's lateral joins)
    foreach v_lead_id in array p_lead_ids loop
        update app.leads as l
        set
            owner_id = s.owner_id, assignment_id = s.assignment_id, registered_at = s.registered_at,
            anchor_at = s.anchor_at, held_since_anchor = s.held_since_anchor,
            held_since_registration = s.held_since_registration, hold_start = s.hold_start,
            hold_end = s.hold_end, hold_reason = s.hold_reason, extension_days = s.extension_days,
            override_until = s.override_until
        from app.lead_state_source as s
        where s.lead_id = v_lead_id and l.id = v_lead_id;
    end loop;
end
$$;

--
-- Name: FUNCTION refresh_leads_state(p_lead_ids uuid[]); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.refresh_leads_state(p_lead_ids uuid[]) IS 'Recomputes the protection state of the given leads (locking them first); unchanged rows are not written.';

--
-- Name: refresh_protection_configs(uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.refresh_protection_configs(p_tenant_id uuid DEFAULT NULL::uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    insert into app.protection_configs as c (
        tenant_id, base_months, progress_days, grace_days, warning_days, mode, timezone,
        hold_max_days, cooldown_days, pseudonymize_after_days
    )
    select
        t.id,
        (app.effective_setting('lead.protection.baseMonths', t.id, null, null))::integer,
        (app.effective_setting('lead.protection.progressDays', t.id, null, null))::integer,
        (app.effective_setting('lead.protection.graceDays', t.id, null, null))::integer,
        (app.effective_setting('lead.protection.warningDays', t.id, null, null))::integer,
        app.effective_setting('lead.protection.mode', t.id, null, null) #>> '{}',
        app.effective_setting('tenant.timezone', t.id, null, null) #>> '{}',
        app.effective_setting('lead.protection.hold.maxDays', t.id, null, null),
        (app.effective_setting('lead.claim.cooldownDays', t.id, null, null))::integer,
        (app.effective_setting('lead.gdpr.pseudonymizeAfterDays', t.id, null, null))::integer
    from app.tenants as t
    where p_tenant_id is null or t.id = p_tenant_id
    on conflict (tenant_id) do update set
        base_months = excluded.base_months,
        progress_days = excluded.progress_days,
        grace_days = excluded.grace_days,
        warning_days = excluded.warning_days,
        mode = excluded.mode,
        timezone = excluded.timezone,
        hold_max_days = excluded.hold_max_days,
        cooldown_days = excluded.cooldown_days,
        pseudonymize_after_days = excluded.pseudonymize_after_days
$$;

--
-- Name: FUNCTION refresh_protection_configs(p_tenant_id uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.refresh_protection_configs(p_tenant_id uuid) IS 'Recomputes app.protection_configs for one tenant (or all when null) from the settings.';

--
-- Name: release_lead(uuid, text, boolean, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.release_lead(p_lead_id uuid, p_release_reason text, p_as_system boolean, p_reason text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_lead app.leads;
    v_config app.protection_configs;
    v_facts jsonb;
    v_ended_at timestamptz;
    v_assignment app.lead_assignments;
begin
    select l.* into v_lead from app.leads as l where l.id = p_lead_id for update;
    if v_lead.owner_id is null then
        return;
    end if;
    select c.* into v_config from app.protection_configs as c where c.tenant_id = v_lead.tenant_id;
    v_facts := app.notice_facts(v_lead, v_config, app.now());
    -- Protection ended at its deadline when it had already expired, else now (the claim cooldown
    -- counts from here).
    v_ended_at := least((v_facts ->> 'expires_at')::timestamptz, app.now());
    v_assignment := app_private.close_assignment(p_lead_id, p_release_reason, v_ended_at, p_as_system);
    delete from app.collaborators where lead_id = p_lead_id;
    update app.leads set released_at = app.now() where id = p_lead_id;

    perform app_private.write_audit(
        v_lead.tenant_id,
        case when p_release_reason = 'EXPIRED_NOW' then 'lead.expired_now' else 'lead.released' end,
        'lead', p_lead_id, p_lead_id,
        jsonb_build_object('owner_id', v_lead.owner_id, 'assignment_id', v_assignment.id),
        jsonb_build_object('release_reason', p_release_reason, 'protection_ended_at', v_ended_at),
        p_reason, p_as_system
    );
    -- the former owner's feedback links end with their cycle
    perform app_private.retire_lead_feedback_tokens(
        p_lead_id, case when p_release_reason = 'EXPIRED_NOW' then 'lead.expired_now' else 'lead.released' end,
        p_as_system
    );
    insert into app.protection_notices (tenant_id, lead_id, kind, cycle_key, facts)
    values (
        v_lead.tenant_id, p_lead_id, 'EXPIRED', v_assignment.id::text,
        v_facts || jsonb_build_object('expires_at', v_ended_at, 'release_reason', p_release_reason)
    )
    on conflict (lead_id, kind, cycle_key) do nothing;
    perform app_private.deliver_notices();
end
$$;

--
-- Name: FUNCTION release_lead(p_lead_id uuid, p_release_reason text, p_as_system boolean, p_reason text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.release_lead(p_lead_id uuid, p_release_reason text, p_as_system boolean, p_reason text) IS 'Releases a lead to the pool (SPEC 3.8): closes its cycle, removes collaborators, audits once (lead.released by the system, or lead.expired_now by a manager), revokes its feedback links and sends the EXPIRED notices.';

--
-- Name: repeated_submission(bytea, uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.repeated_submission(p_token_hash bytea, p_key uuid) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select jsonb_build_object(
        'accepted', true, 'submission_id', s.id, 'submissions_left', t.max_submissions - t.submissions,
        'repeated', true
    )
    from app_private.feedback_tokens as t
    inner join app.feedback_submissions as s on t.id = s.token_id
    where t.token_hash = p_token_hash and s.submission_key = p_key
$$;

--
-- Name: FUNCTION repeated_submission(p_token_hash bytea, p_key uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.repeated_submission(p_token_hash bytea, p_key uuid) IS 'For a repeated form post: the first answer given to that submission key through that link, or null.';

--
-- Name: report_connectors(jsonb); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.report_connectors(p_configured jsonb) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    update app.connectors as c
    set configured = (p_configured ->> c.connector)::boolean, reported_at = pg_catalog.now()
    where p_configured ? c.connector and jsonb_typeof(p_configured -> c.connector) = 'boolean'
$$;

--
-- Name: FUNCTION report_connectors(p_configured jsonb); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.report_connectors(p_configured jsonb) IS 'A starting worker reports which connectors it has credentials for: {"xentral": true, ...}.';

--
-- Name: report_stale_jobs(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.report_stale_jobs() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_stale text[];
begin
    select array_agg(h.job_name) into v_stale from app_private.job_health() as h where not h.healthy;
    if v_stale is not null then
        perform app_private.notify_roles(
            t.id, array['tenant_admin'], 'JOB_STALE', null,
            'Hintergrundjob ausgefallen: ' || array_to_string(v_stale, ', '),
            'Der Job ' || array_to_string(v_stale, ', ') || ' war seit mehr als 26 Stunden nicht erfolgreich. '
            || 'Erinnerungen und Freigaben von Leads bleiben aus, bis er wieder läuft.',
            'JOB_STALE:' || to_char(app.now() at time zone 'UTC', 'YYYY-MM-DD')
        )
        from app.tenants as t;
    end if;
    return jsonb_build_object('stale', coalesce(v_stale, '{}'));
end
$$;

--
-- Name: FUNCTION report_stale_jobs(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.report_stale_jobs() IS 'Notifies every tenant''s admins (once a day) while a job is stale.';

--
-- Name: request_credit_limit(uuid, numeric); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.request_credit_limit(p_check_id uuid, p_amount_eur numeric) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_check app.credit_checks;
    v_lead app.leads;
    v_request app.credit_limit_requests;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    select c.* into v_check from app.credit_checks as c
    where c.id = p_check_id and c.tenant_id = app.current_tenant_id();
    select l.* into v_lead from app.leads as l where l.id = v_check.lead_id for update;
    if v_check.id is null
        or app.current_web_role() = 'sales_rep' and v_lead.owner_id is distinct from app.current_user_id()
        and app_private.collaborator_role(v_lead.id) is null then
        perform app.raise_error('FP823', 404, 'The credit check does not exist.', 'check_id');
    end if;
    perform app.require_owner_or_manager(v_lead);
    if v_check.status <> 'GRADED' then
        perform app.raise_error(
            'FP824', 409, 'A limit can be requested only on a graded credit check.', 'check_id'
        );
    end if;
    if p_amount_eur is null or p_amount_eur <= 0 or p_amount_eur > 100000000 or p_amount_eur <> round(p_amount_eur, 2) then
        perform app.raise_error(
            'FP825', 400, 'amount_eur must be a positive amount of at most 100 000 000 with at most 2 decimals.',
            'amount_eur'
        );
    end if;
    if not exists (select from app.connectors as c where c.connector = 'allianz' and c.configured) then
        perform app.raise_error(
            'FP811', 409, 'The connector is not configured: no worker has its credentials.', 'check_id'
        );
    end if;
    -- one open application per check (a double click is not two); the lead's lock serialises this
    if exists (
        select from app.credit_limit_requests as r
        where r.check_id = v_check.id and r.state in ('REQUESTED', 'PENDING')
    ) then
        perform app.raise_error(
            'FP829', 409, 'A limit request on this check is still open.', 'check_id',
            'Its decision is shown in api.credit_checks.'
        );
    end if;
    insert into app.credit_limit_requests (tenant_id, lead_id, check_id, company_id, amount_eur, requested_by)
    values (v_check.tenant_id, v_check.lead_id, v_check.id, v_check.company_id, p_amount_eur, app.current_user_id())
    returning * into v_request;
    insert into app.jobs (tenant_id, kind, payload, dedupe_key, lead_id)
    values (
        v_check.tenant_id, 'allianz.limit', jsonb_build_object('request_id', v_request.id),
        'allianz.limit:' || v_request.id || ':0', v_check.lead_id
    );
    perform app_private.write_audit(
        v_check.tenant_id, 'credit_limit.requested', 'credit_limit_request', v_request.id, v_check.lead_id, null,
        jsonb_build_object('check_id', v_check.id, 'company_id', v_check.company_id, 'amount_eur', p_amount_eur),
        null, false
    );
    return jsonb_build_object(
        'request_id', v_request.id, 'check_id', v_check.id, 'lead_id', v_check.lead_id,
        'amount_eur', v_request.amount_eur, 'state', v_request.state, 'requested_at', v_request.requested_at
    );
end
$$;

--
-- Name: FUNCTION request_credit_limit(p_check_id uuid, p_amount_eur numeric); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.request_credit_limit(p_check_id uuid, p_amount_eur numeric) IS 'Queues a credit limit request on a graded check of a lead the caller owns or manages (audited).';

--
-- Name: request_sync(text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.request_sync(p_kind text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_tenant uuid := app.current_tenant_id();
    v_job bigint;
begin
    perform app.require_role(array['tenant_admin']);
    if p_kind is distinct from 'xentral.products' then
        perform app.raise_error(
            'FP810', 400, 'kind must be a job kind that syncs: xentral.products.', 'kind'
        );
    end if;
    if not exists (
        select from app.connectors as c where c.connector = split_part(p_kind, '.', 1) and c.configured
    ) then
        perform app.raise_error(
            'FP811', 409, 'The connector is not configured: no worker has its credentials.', 'kind'
        );
    end if;
    -- one waiting sync per tenant and kind, also when two admins ask at once
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(p_kind || ':' || v_tenant, 0));
    select j.id into v_job
    from app.jobs as j
    where j.tenant_id = v_tenant and j.kind = p_kind and j.state in ('PENDING', 'RUNNING')
    order by j.id
    limit 1;
    if v_job is null then
        insert into app.jobs (tenant_id, kind) values (v_tenant, p_kind) returning id into v_job;
        perform app_private.write_audit(
            v_tenant, 'job.sync_requested', 'job', null, null, null,
            jsonb_build_object('id', v_job, 'kind', p_kind), null, false
        );
    end if;
    return v_job;
end
$$;

--
-- Name: FUNCTION request_sync(p_kind text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.request_sync(p_kind text) IS 'Queues a sync job of the caller''s tenant unless one is waiting or running (audited); returns its id.';

--
-- Name: requeue_job(bigint); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.requeue_job(p_job_id bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_job app.jobs;
begin
    perform app.require_role(array['tenant_admin']);
    select j.* into v_job from app.jobs as j
    where j.id = p_job_id and j.tenant_id = app.current_tenant_id()
    for update;
    if v_job.id is null then
        perform app.raise_error('FP807', 404, 'The job does not exist.', 'job_id');
    end if;
    if v_job.state <> 'PARKED' then
        perform app.raise_error(
            'FP808', 409, format('Only a parked job can be re-queued; this one is %s.', v_job.state), 'job_id'
        );
    end if;
    -- a feedback mail forgets its link once it leaves PENDING: sent again it could not render
    if v_job.kind = 'mail.send' and v_job.template like 'feedback\_%' and not v_job.payload ? 'link' then
        perform app.raise_error(
            'FP809', 409, 'This mail carried a feedback link, which is not kept: replace the link to mail a new one.',
            'job_id', 'POST /rpc/rotate_feedback_token with the test phase.'
        );
    end if;
    update app.jobs as j
    set state = 'PENDING', attempts = 0, next_attempt_at = pg_catalog.now(), finished_at = null
    where j.id = p_job_id;
    perform app_private.write_audit(
        v_job.tenant_id, 'job.requeued', 'job', null, null,
        -- not the error: a mail server's answer often names the recipient, and the audit is forever
        jsonb_build_object('id', v_job.id, 'kind', v_job.kind, 'state', v_job.state, 'attempts', v_job.attempts),
        jsonb_build_object('id', v_job.id, 'state', 'PENDING', 'attempts', 0),
        null,
        false
    );
    perform pg_catalog.pg_notify('freshplan_jobs', '');
end
$$;

--
-- Name: FUNCTION requeue_job(p_job_id bigint); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.requeue_job(p_job_id bigint) IS 'Re-queues a PARKED job of the caller''s tenant (FP807 unknown, FP808 not parked) and audits it.';

--
-- Name: require_our_caller(text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.require_our_caller(p_stack text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $_$
declare
    v_lines text[] := regexp_split_to_array(rtrim(p_stack, E'\n'), E'\n');
    v_outer text := v_lines[cardinality(v_lines)];
begin
    if cardinality(v_lines) < 2
        or v_outer !~ '^(PL/pgSQL function [a-z_0-9.]+\([^"]*\) line [0-9]+ at [A-Za-z ]+|SQL function "[a-z_0-9]+" statement [0-9]+)$'
        or p_stack ~ '(^|\n)PL/pgSQL function inline_code_block' then
        raise exception 'only the api functions write audit entries and notifications'
            using errcode = 'insufficient_privilege';
    end if;
end
$_$;

--
-- Name: FUNCTION require_our_caller(p_stack text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.require_our_caller(p_stack text) IS 'Raises 42501 unless the call stack shows one of our functions as the caller of an audit or notification writer.';

--
-- Name: retire_feedback_tokens(uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.retire_feedback_tokens(p_phase_id uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_now timestamptz := app.now();
    v_usable integer;
begin
    with retired as (
        update app_private.feedback_tokens as t
        set revoked_at = v_now
        where t.phase_id = p_phase_id and t.revoked_at is null
        returning t.id, app.feedback_link_state(t.expires_at, null, t.submissions, t.max_submissions, v_now) as state
    ),
    cancelled as (
        update app.jobs as j
        set state = 'CANCELLED', finished_at = pg_catalog.now()
        from retired as r
        where
            j.dedupe_key in ('feedback_invitation:' || r.id, 'feedback_reminder:' || r.id)
            and j.state = 'PENDING'
    )
    select count(*) filter (where r.state = 'ACTIVE') into v_usable from retired as r;
    return v_usable;
end
$$;

--
-- Name: FUNCTION retire_feedback_tokens(p_phase_id uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.retire_feedback_tokens(p_phase_id uuid) IS 'Revokes the phase''s unrevoked feedback links and cancels their pending mails; returns how many were usable.';

--
-- Name: retire_lead_feedback_tokens(uuid, text, boolean); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.retire_lead_feedback_tokens(p_lead_id uuid, p_cause text, p_as_system boolean) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_phase record;
    v_revoked integer := 0;
begin
    for v_phase in
        select distinct t.phase_id, t.tenant_id from app_private.feedback_tokens as t
        where t.lead_id = p_lead_id and t.revoked_at is null
        order by t.phase_id
    loop
        if app_private.retire_feedback_tokens(v_phase.phase_id) > 0 then
            perform app_private.write_audit(
                v_phase.tenant_id, 'feedback_link.revoked', 'test_phase', v_phase.phase_id, p_lead_id, null,
                jsonb_build_object('cause', p_cause), null, p_as_system
            );
            v_revoked := v_revoked + 1;
        end if;
    end loop;
    return v_revoked;
end
$$;

--
-- Name: FUNCTION retire_lead_feedback_tokens(p_lead_id uuid, p_cause text, p_as_system boolean); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.retire_lead_feedback_tokens(p_lead_id uuid, p_cause text, p_as_system boolean) IS 'Revokes every unrevoked feedback link of a lead and cancels their pending mails; audits each usable one as feedback_link.revoked with the cause (lead.released, lead.transferred, ...). Returns how many were usable.';

--
-- Name: revoke_feedback_token(uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.revoke_feedback_token(p_phase_id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_phase app.test_phases := app_private.phase_for_sample_write(p_phase_id);
begin
    if app_private.retire_feedback_tokens(v_phase.id) = 0 then
        perform app.raise_error('FP909', 409, 'The test phase has no usable feedback link to revoke.', 'phase_id');
    end if;
    perform app_private.write_audit(
        v_phase.tenant_id, 'feedback_link.revoked', 'test_phase', v_phase.id, v_phase.lead_id, null, null, null, false
    );
end
$$;

--
-- Name: FUNCTION revoke_feedback_token(p_phase_id uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.revoke_feedback_token(p_phase_id uuid) IS 'Revokes the usable feedback link of a test phase the caller may change and cancels its mails; FP909 if none.';

--
-- Name: run_job(text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.run_job(p_job text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_result jsonb;
    v_error text;
begin
    update app.job_heartbeats set last_started_at = app.now() where job_name = p_job;
    if not found then
        raise exception 'unknown job %', p_job using errcode = 'invalid_parameter_value';
    end if;
    begin
        v_result := case p_job
            when 'sweep' then app_private.sweep_protection()
            when 'hold_cap' then app_private.close_capped_holds()
            when 'escalation' then app_private.escalate_extension_requests()
            when 'gdpr' then app_private.pseudonymize_released_leads()
            when 'purge_cron_log' then app_private.purge_cron_log()
            when 'staleness' then app_private.report_stale_jobs()
            when 'ai_housekeeping' then app_private.ai_housekeeping()
            when 'xentral_products' then app_private.enqueue_product_syncs()
            when 'mail_imap' then app_private.enqueue_mailbox_job('mail.imap', 'mail')
            when 'kas_quota' then app_private.enqueue_mailbox_job('kas.quota', 'kas')
            when 'kpi_snapshot' then app_private.snapshot_kpis()
            when 'analyst_watchdog' then app_private.cancel_long_analyst_queries()
            when 'alerts' then app_private.evaluate_alerts()
        end;
    exception when others then
        -- The job's changes are undone; the failure is recorded and pg_cron logs the warning.
        get stacked diagnostics v_error = message_text;
        update app.job_heartbeats
        set last_failed_at = app.now(), last_error = left(v_error, 2000)
        where job_name = p_job;
        raise warning 'job % failed: %', p_job, v_error;
        return jsonb_build_object('error', v_error);
    end;
    update app.job_heartbeats
    set last_succeeded_at = app.now(), last_result = v_result, last_error = null
    where job_name = p_job;
    return v_result;
end
$$;

--
-- Name: FUNCTION run_job(p_job text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.run_job(p_job text) IS 'Runs one scheduled job and records its heartbeat (success with counts, or failure with the error).';

--
-- Name: sales_order_delayed(uuid, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.sales_order_delayed(p_order_id uuid, p_error text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    update app.sales_orders as o set last_error = left(coalesce(p_error, 'unknown error'), 2000)
    where o.id = p_order_id and o.state = 'PENDING'
$$;

--
-- Name: FUNCTION sales_order_delayed(p_order_id uuid, p_error text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.sales_order_delayed(p_order_id uuid, p_error text) IS 'Records a temporary failure of a PENDING order''s submission (it is retried).';

--
-- Name: sales_order_for_submission(uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.sales_order_for_submission(p_order_id uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_order app.sales_orders;
    v_started boolean;
begin
    select o.* into v_order from app.sales_orders as o where o.id = p_order_id for update;
    if v_order.id is null then
        return null;
    end if;
    v_started := v_order.submission_started_at is not null;
    if v_order.state = 'PENDING' and not v_started then
        update app.sales_orders as o set submission_started_at = pg_catalog.clock_timestamp()
        where o.id = p_order_id;
    end if;
    return jsonb_build_object(
        'state', v_order.state,
        'number', v_order.number,
        'tenant_id', v_order.tenant_id,
        'look_up_first', v_started,
        'body', app.sales_order_import_body(v_order)
    );
end
$$;

--
-- Name: FUNCTION sales_order_for_submission(p_order_id uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.sales_order_for_submission(p_order_id uuid) IS 'The order as the worker submits it: state, number, import body, and whether an earlier attempt may have reached Xentral (look it up first). Marks the first attempt.';

--
-- Name: sales_order_refused(uuid, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.sales_order_refused(p_order_id uuid, p_message text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_order app.sales_orders;
    v_owner uuid;
    v_message text := left(coalesce(nullif(btrim(p_message), ''), 'Xentral refused the order.'), 2000);
begin
    update app.sales_orders as o set state = 'FAILED', last_error = v_message
    where o.id = p_order_id and o.state = 'PENDING'
    returning o.* into v_order;
    if v_order.id is null then
        return false;
    end if;
    perform app_private.write_audit(
        v_order.tenant_id, 'sales_order.refused', 'sales_order', v_order.id, v_order.lead_id,
        jsonb_build_object('state', 'PENDING'), jsonb_build_object('state', 'FAILED', 'error', v_message), null, false
    );
    -- the lead's owner (who must fix it), and whoever placed it if that was someone else
    select l.owner_id into v_owner from app.leads as l where l.id = v_order.lead_id;
    perform app_private.notify(
        v_order.tenant_id, u.user_id, 'ORDER_FAILED', v_order.lead_id,
        format('Auftrag %s von Xentral abgelehnt', v_order.number),
        format('Xentral hat den Auftrag %s nicht angenommen: %s', v_order.number, v_message),
        'order_failed:' || v_order.id
    )
    from (select distinct x.user_id from unnest(array[v_owner, v_order.created_by]) as x (user_id)
          where x.user_id is not null) as u;
    return true;
end
$$;

--
-- Name: FUNCTION sales_order_refused(p_order_id uuid, p_message text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.sales_order_refused(p_order_id uuid, p_message text) IS 'Xentral refused the order (validation): FAILED with its message, audited, the owner notified.';

--
-- Name: sales_order_submitted(uuid, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.sales_order_submitted(p_order_id uuid, p_xentral_id text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_order app.sales_orders;
    v_lead app.leads;
begin
    -- lead before order: the order every order path locks in (the worker has no tenant, so not
    -- app_private.lock_lead, which locks the caller's tenant's leads only)
    select l.* into v_lead from app.leads as l
    where l.id = (select o.lead_id from app.sales_orders as o where o.id = p_order_id)
    for update;
    update app.sales_orders as o
    set state = 'SUBMITTED', xentral_id = p_xentral_id, submitted_at = pg_catalog.clock_timestamp(), last_error = null
    where o.id = p_order_id and o.state = 'PENDING'
    returning o.* into v_order;
    if v_order.id is null then
        return false;
    end if;
    -- progress on the lead (ORDER_PLACED counts), in the cycle of whoever owns it now
    insert into app.activities (tenant_id, lead_id, assignment_id, kind, occurred_at, note, created_by)
    values (
        v_order.tenant_id, v_order.lead_id, v_lead.assignment_id, 'ORDER_PLACED', app.now(),
        format('Auftrag %s in Xentral angelegt (Xentral-Nr. %s).', v_order.number, p_xentral_id),
        v_order.created_by
    );
    perform app_private.write_audit(
        v_order.tenant_id, 'sales_order.submitted', 'sales_order', v_order.id, v_order.lead_id,
        jsonb_build_object('state', 'PENDING'),
        jsonb_build_object('state', 'SUBMITTED', 'xentral_id', p_xentral_id), null, false
    );
    perform app_private.record_connector_success(v_order.tenant_id, 'xentral');
    return true;
end
$$;

--
-- Name: FUNCTION sales_order_submitted(p_order_id uuid, p_xentral_id text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.sales_order_submitted(p_order_id uuid, p_xentral_id text) IS 'Xentral has the order: SUBMITTED with its id, an ORDER_PLACED activity on the lead (progress), audited. False when the order was no longer PENDING.';

--
-- Name: similar_leads(text, text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.similar_leads(p_name_key text, p_area text) RETURNS TABLE(id uuid, company_name text, postal_code text, city text, similarity real, status text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    -- Another rep's protected lead is reported without its id and as PROTECTED: the rep learns that
    -- the company is taken, not by whom, and cannot open it.
    select
        case
            when app.current_web_role() = 'sales_rep' and s.status in ('ACTIVE', 'GRACE') and not s.readable then null
            else s.id
        end,
        s.company_name, s.postal_code, s.city, s.similarity,
        case
            when app.current_web_role() = 'sales_rep' and s.status in ('ACTIVE', 'GRACE') and not s.mine
                then 'PROTECTED'
            else s.status
        end
    from (
        select
            l.id, l.company_name, l.postal_code, l.city,
            extensions.similarity(l.name_key, p_name_key) as similarity,
            app.lead_status(l, c, app.now()) as status,
            l.owner_id is not distinct from app.current_user_id() as mine,
            l.owner_id is not distinct from app.current_user_id()
            or exists (
                select from app.collaborators as co where co.lead_id = l.id and co.user_id = app.current_user_id()
            ) as readable
        from app.leads as l
    inner join app.protection_configs as c on c.tenant_id = l.tenant_id
    where
        l.tenant_id = app.current_tenant_id()
        -- % uses the trigram index (threshold 0.3 by default); the spec's threshold is 0.6
        and l.name_key operator(extensions.%) p_name_key
        and extensions.similarity(l.name_key, p_name_key) >= 0.6
        and left(app.normalize_postal_code(l.postal_code), 2) = p_area
        order by 5 desc, l.company_name
        limit 20
    ) as s
    order by s.similarity desc, s.company_name
$$;

--
-- Name: FUNCTION similar_leads(p_name_key text, p_area text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.similar_leads(p_name_key text, p_area text) IS 'Leads of the caller''s tenant whose normalised name has trigram similarity >= 0.6, in the same postal area.';

--
-- Name: snapshot_kpis(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.snapshot_kpis() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_tenant record;
    v_local timestamp;
    v_today date;
    v_day date;
    v_now timestamptz := app.now();
    v_tenants integer := 0;
    v_closed integer := 0;
    v_failed integer := 0;
begin
    for v_tenant in
        select t.id, c.timezone from app.tenants as t
        inner join app.protection_configs as c on t.id = c.tenant_id
        order by t.id
    loop
        begin
            v_local := v_now at time zone v_tenant.timezone;
            v_today := v_local::date;
            -- from the day after the last closed one (or the first one snapshotted), at most a week back
            for v_day in
                select d::date from pg_catalog.generate_series(
                    greatest(
                        coalesce(
                            (select max(k.day) + 1 from app.kpi_daily as k where k.tenant_id = v_tenant.id and k.final),
                            (select min(k.day) from app.kpi_daily as k where k.tenant_id = v_tenant.id),
                            v_today
                        ),
                        v_today - 7
                    ),
                    v_today - case when v_local::time >= '00:30' then 1 else 2 end,
                    interval '1 day'
                ) as d
            loop
                perform app_private.snapshot_tenant_kpis(v_tenant.id, v_day, null);
                perform app_private.snapshot_rep_weekly(v_tenant.id, v_day - (extract(isodow from v_day)::integer - 1));
                v_closed := v_closed + 1;
            end loop;
            perform app_private.snapshot_tenant_kpis(v_tenant.id, v_today, v_now);
            perform app_private.snapshot_rep_weekly(v_tenant.id, v_today - (extract(isodow from v_today)::integer - 1));
            v_tenants := v_tenants + 1;
        exception when others then
            raise warning 'KPI snapshot of tenant % failed: %', v_tenant.id, sqlerrm;
            v_failed := v_failed + 1;
        end;
    end loop;
    return jsonb_build_object('tenants', v_tenants, 'days_closed', v_closed, 'failed', v_failed);
end
$$;

--
-- Name: FUNCTION snapshot_kpis(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.snapshot_kpis() IS 'Keeps today''s KPI row of every tenant current and closes the finished days once (job kpi_snapshot).';

--
-- Name: snapshot_rep_weekly(uuid, date); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.snapshot_rep_weekly(p_tenant_id uuid, p_week date) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_zone text := (select c.timezone from app.protection_configs as c where c.tenant_id = p_tenant_id);
    v_from timestamptz := p_week::timestamp at time zone v_zone;
    v_to timestamptz := (p_week + 7)::timestamp at time zone v_zone;
begin
    -- rewritten whole: a rep whose figures fell to nothing keeps no stale row
    delete from app.kpi_rep_weekly as w where w.tenant_id = p_tenant_id and w.week = p_week;
    insert into app.kpi_rep_weekly as w (
        tenant_id, week, rep_id, registrations, qualifying_activities, expiries, computed_at
    )
    select p_tenant_id, p_week, r.rep_id, sum(r.registrations), sum(r.activities), sum(r.expiries),
        pg_catalog.clock_timestamp()
    from (
        select
            a.owner_id as rep_id,
            count(*) filter (
                where a.opened_at >= v_from and a.opened_at < v_to and a.open_reason in ('REGISTERED', 'CLAIMED')
            ) as registrations,
            0 as activities,
            count(*) filter (where a.protection_ended_at >= v_from and a.protection_ended_at < v_to) as expiries
        from app.lead_assignments as a
        where a.tenant_id = p_tenant_id and (a.opened_at >= v_from or a.closed_at >= v_from)
        group by a.owner_id
        union all
        select a.owner_id, 0, count(*), 0
        from app.activities as ac
        inner join app.activity_kinds as k on ac.tenant_id = k.tenant_id and ac.kind = k.kind and k.counts_as_progress
        inner join app.lead_assignments as a on ac.assignment_id = a.id
        where ac.tenant_id = p_tenant_id and ac.created_at >= v_from and ac.created_at < v_to
        group by a.owner_id
    ) as r
    group by r.rep_id
    having sum(r.registrations) + sum(r.activities) + sum(r.expiries) > 0;
end
$$;

--
-- Name: FUNCTION snapshot_rep_weekly(p_tenant_id uuid, p_week date); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.snapshot_rep_weekly(p_tenant_id uuid, p_week date) IS 'Writes the per-rep figures of one tenant''s ISO week (its Monday).';

--
-- Name: snapshot_tenant_kpis(uuid, date, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.snapshot_tenant_kpis(p_tenant_id uuid, p_day date, p_now timestamp with time zone) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_zone text := (select c.timezone from app.protection_configs as c where c.tenant_id = p_tenant_id);
    v_from timestamptz := p_day::timestamp at time zone v_zone;
    v_to timestamptz := (p_day + 1)::timestamp at time zone v_zone;
    v_at timestamptz := coalesce(p_now, (p_day + 1)::timestamp at time zone v_zone);
    v_row app.kpi_daily;
begin
    v_row.tenant_id := p_tenant_id;
    v_row.day := p_day;
    v_row.job_backlog := '{}'::jsonb;  -- a past day's backlog is unknown (the row's own is kept)
    if p_now is not null then
        select
            count(*) filter (where o.status = 'ACTIVE'),
            count(*) filter (where o.status = 'GRACE'),
            count(*) filter (where o.status = 'EXPIRED'),
            count(*) filter (where o.status = 'UNASSIGNED')
        into v_row.leads_active, v_row.leads_grace, v_row.leads_expired, v_row.leads_unassigned
        from app.lead_overview as o
        where o.tenant_id = p_tenant_id;
        select coalesce(jsonb_object_agg(b.kind, b.jobs), '{}') into v_row.job_backlog
        from (
            select j.kind, count(*) as jobs from app.jobs as j
            where j.tenant_id = p_tenant_id and j.state in ('PENDING', 'RUNNING')
            group by j.kind
        ) as b;
    end if;
    -- (protection_ended_at is set when the cycle closes by expiry, so the day's cycles are found by their
    -- opening or closing; the two indexes of V017 serve the OR)
    select
        count(*) filter (where a.opened_at >= v_from and a.opened_at < v_to and a.open_reason in ('REGISTERED', 'CLAIMED')),
        count(*) filter (where a.protection_ended_at >= v_from and a.protection_ended_at < v_to),
        count(*) filter (
            where a.closed_at >= v_from and a.closed_at < v_to and a.release_reason in ('EXPIRED', 'EXPIRED_NOW')
        ),
        count(*) filter (where a.closed_at >= v_from and a.closed_at < v_to and a.release_reason = 'TRANSFERRED')
    into v_row.registrations, v_row.expiries, v_row.releases, v_row.transfers
    from app.lead_assignments as a
    where a.tenant_id = p_tenant_id and (a.opened_at >= v_from or a.closed_at >= v_from);
    select coalesce(jsonb_object_agg(h.reason, h.holds), '{}') into v_row.holds_by_reason
    from (
        select h.reason, count(*) as holds from app.holds as h
        where
            h.tenant_id = p_tenant_id and h.state = 'APPROVED' and h.start_at <= v_at
            and (h.end_at is null or h.end_at > v_at)
        group by h.reason
    ) as h;
    v_row.feedback_links_sent := (
        select count(*) from app_private.feedback_tokens as t
        where t.tenant_id = p_tenant_id and t.created_at >= v_from and t.created_at < v_to
    );
    v_row.feedback_answered := (
        select count(*) from app.feedback_submissions as s
        where s.tenant_id = p_tenant_id and s.received_at >= v_from and s.received_at < v_to
    );
    select
        count(*) filter (where not c.cached and c.outcome = 'ok' and c.tier = 'small'),
        count(*) filter (where not c.cached and c.outcome = 'ok' and c.tier = 'large'),
        count(*) filter (where c.cached),
        coalesce(sum(c.cost_eur), 0)
    into v_row.ai_calls_small, v_row.ai_calls_large, v_row.ai_cache_hits, v_row.ai_cost_eur
    from app.ai_calls as c
    where c.tenant_id = p_tenant_id and c.occurred_at >= v_from and c.occurred_at < v_to;
    select
        count(*),
        percentile_cont(0.5) within group (order by c.duration_ms),
        percentile_cont(0.95) within group (order by c.duration_ms)
    into v_row.credit_calls, v_row.credit_p50_ms, v_row.credit_p95_ms
    from app.connector_calls as c
    where
        c.connector = 'allianz' and c.tenant_id = p_tenant_id
        and c.started_at >= v_from and c.started_at < v_to;
    v_row.computed_at := pg_catalog.clock_timestamp();
    v_row.final := p_now is null;
    insert into app.kpi_daily as k
    select v_row.*
    on conflict (tenant_id, day) do update
    set
        -- a past day keeps the lead counts and the backlog it last saw
        leads_active = coalesce(excluded.leads_active, k.leads_active),
        leads_grace = coalesce(excluded.leads_grace, k.leads_grace),
        leads_expired = coalesce(excluded.leads_expired, k.leads_expired),
        leads_unassigned = coalesce(excluded.leads_unassigned, k.leads_unassigned),
        job_backlog = case when excluded.final then k.job_backlog else excluded.job_backlog end,
        registrations = excluded.registrations,
        expiries = excluded.expiries,
        releases = excluded.releases,
        transfers = excluded.transfers,
        holds_by_reason = excluded.holds_by_reason,
        feedback_links_sent = excluded.feedback_links_sent,
        feedback_answered = excluded.feedback_answered,
        ai_calls_small = excluded.ai_calls_small,
        ai_calls_large = excluded.ai_calls_large,
        ai_cache_hits = excluded.ai_cache_hits,
        ai_cost_eur = excluded.ai_cost_eur,
        credit_calls = excluded.credit_calls,
        credit_p50_ms = excluded.credit_p50_ms,
        credit_p95_ms = excluded.credit_p95_ms,
        computed_at = excluded.computed_at,
        final = excluded.final;
end
$$;

--
-- Name: FUNCTION snapshot_tenant_kpis(p_tenant_id uuid, p_day date, p_now timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.snapshot_tenant_kpis(p_tenant_id uuid, p_day date, p_now timestamp with time zone) IS 'Writes one tenant''s KPI row of a day: as of p_now (today), or the finished day''s events (p_now null).';

--
-- Name: start_job(bigint); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.start_job(p_job_id bigint) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    update app.jobs as j set state = 'RUNNING'
    where j.id = p_job_id and j.state = 'PENDING'
$$;

--
-- Name: FUNCTION start_job(p_job_id bigint); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.start_job(p_job_id bigint) IS 'Marks a taken job RUNNING; the worker commits this before calling a system whose call is not idempotent.';

--
-- Name: store_inbound_mail(text, bigint, bigint, jsonb); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.store_inbound_mail(p_mailbox text, p_uidvalidity bigint, p_uid bigint, p_mail jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_box app.imap_mailboxes;
    v_mail app.inbound_mails;
    v_match record;
    v_refs text[];
begin
    select b.* into v_box from app.imap_mailboxes as b where b.mailbox = p_mailbox for update;
    if v_box.mailbox is null then
        raise exception 'unknown mailbox %', p_mailbox using errcode = 'invalid_parameter_value';
    end if;
    v_refs := coalesce(
        (select array_agg(left(r.value, 998)) from jsonb_array_elements_text(p_mail -> 'references') with ordinality as r
         where r.ordinality <= 50),
        '{}'
    );
    -- a message the server renumbered (a new UIDVALIDITY) is one stored before: recognised by its
    -- Message-ID, sender and size from an earlier UIDVALIDITY only (within one the UID tells messages
    -- apart, and a new message reusing an old Message-ID differs in sender or size)
    if exists (
        select from app.inbound_mails as m
        where
            m.mailbox = p_mailbox and m.message_id = left(p_mail ->> 'message_id', 998) and m.uidvalidity <> p_uidvalidity
            and m.from_address is not distinct from left(lower(p_mail ->> 'from_address'), 254)
            and m.size_bytes = greatest(coalesce((p_mail ->> 'size_bytes')::integer, 0), 0)
    ) then
        update app.imap_mailboxes as b set last_uid = greatest(b.last_uid, p_uid) where b.mailbox = p_mailbox;
        return jsonb_build_object('stored', false, 'renumbered', true);
    end if;
    select m.lead_id, m.matched_by into v_match
    from app.inbound_mail_lead(
        v_box.tenant_id, p_mail ->> 'in_reply_to', v_refs, lower(p_mail ->> 'from_address')
    ) as m;
    insert into app.inbound_mails (
        tenant_id, mailbox, uidvalidity, uid, message_id, in_reply_to, reference_ids, from_address, from_name,
        subject, sent_at, body_text, size_bytes, truncated, lead_id, matched_by
    )
    values (
        v_box.tenant_id, p_mailbox, p_uidvalidity, p_uid,
        left(p_mail ->> 'message_id', 998),
        left(p_mail ->> 'in_reply_to', 998),
        v_refs,
        left(lower(p_mail ->> 'from_address'), 254),
        left(p_mail ->> 'from_name', 200),
        left(p_mail ->> 'subject', 998),
        (p_mail ->> 'sent_at')::timestamptz,
        left(coalesce(p_mail ->> 'body_text', ''), 100000),
        greatest(coalesce((p_mail ->> 'size_bytes')::integer, 0), 0),
        coalesce((p_mail ->> 'truncated')::boolean, false) or char_length(p_mail ->> 'body_text') > 100000,
        v_match.lead_id,
        v_match.matched_by
    )
    on conflict do nothing
    returning * into v_mail;
    update app.imap_mailboxes as b set last_uid = greatest(b.last_uid, p_uid) where b.mailbox = p_mailbox;
    if v_mail.id is null then
        return jsonb_build_object('stored', false);
    end if;
    -- an out-of-office note is kept with its lead, but is no contact with the customer
    if v_mail.lead_id is not null and not coalesce((p_mail ->> 'automatic')::boolean, false) then
        perform app_private.log_mail_received(v_mail);
        perform app_private.queue_mail_classification(v_mail);
    end if;
    return jsonb_build_object('stored', true, 'id', v_mail.id, 'lead_id', v_mail.lead_id, 'matched_by', v_mail.matched_by);
end
$$;

--
-- Name: FUNCTION store_inbound_mail(p_mailbox text, p_uidvalidity bigint, p_uid bigint, p_mail jsonb); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.store_inbound_mail(p_mailbox text, p_uidvalidity bigint, p_uid bigint, p_mail jsonb) IS 'Stores a fetched mail once, matches it to a lead of the mailbox''s tenant, logs EMAIL_RECEIVED and queues its classification, moves the watermark.';

--
-- Name: store_mailbox_quota(text, text, jsonb); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.store_mailbox_quota(p_tenant_slug text, p_mail_login text, p_quota jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_tenant uuid := (select t.id from app.tenants as t where t.slug = p_tenant_slug);
    v_used bigint := (p_quota ->> 'used_mb')::bigint;
    v_quota bigint := nullif(greatest((p_quota ->> 'quota_mb')::bigint, 0), 0);
    v_ws_used bigint := (p_quota ->> 'webspace_used_mb')::bigint;
    v_ws_max bigint := nullif(greatest((p_quota ->> 'webspace_max_mb')::bigint, 0), 0);
    v_percent numeric;
    v_warn numeric;
    v_row app.mailbox_quotas;
    v_was_warned boolean;
begin
    if v_tenant is null then
        raise exception 'FRESHPLAN_IMAP_TENANT names no tenant: %', p_tenant_slug
            using errcode = 'invalid_parameter_value';
    end if;
    if v_used is null or v_used < 0 or v_ws_used < 0 then
        raise exception 'not a quota: %', left(p_quota::text, 200) using errcode = 'invalid_parameter_value';
    end if;
    v_percent := greatest(
        round(100.0 * v_used / v_quota, 2),
        round(100.0 * v_ws_used / v_ws_max, 2)
    );
    v_warn := (app.effective_setting('mail.quota.warnPercent', v_tenant, null, null) #>> '{}')::numeric;
    select q.warned_at is not null into v_was_warned
    from app.mailbox_quotas as q where q.tenant_id = v_tenant and q.mail_login = p_mail_login
    for update;
    insert into app.mailbox_quotas as q (
        tenant_id, mail_login, used_mb, quota_mb, webspace_used_mb, webspace_max_mb, percent, checked_at, warned_at
    )
    values (
        v_tenant, left(p_mail_login, 254), v_used, v_quota, v_ws_used, v_ws_max, v_percent,
        pg_catalog.clock_timestamp(), case when v_percent > v_warn then pg_catalog.clock_timestamp() end
    )
    on conflict (tenant_id, mail_login) do update
    set
        used_mb = excluded.used_mb, quota_mb = excluded.quota_mb, webspace_used_mb = excluded.webspace_used_mb,
        webspace_max_mb = excluded.webspace_max_mb, percent = excluded.percent, checked_at = excluded.checked_at,
        warned_at = case when excluded.percent > v_warn then coalesce(q.warned_at, excluded.checked_at) end
    returning q.* into v_row;
    if v_row.warned_at is not null and not coalesce(v_was_warned, false) then
        perform app_private.notify_roles(
            v_tenant, array['tenant_admin'], 'MAILBOX_FULL', null,
            'Postfach fast voll',
            format(
                'Das Postfach %s ist zu %s %% belegt (Warnschwelle %s %%). Ist es voll, gehen Antworten von '
                'Kunden verloren: bitte alte Nachrichten archivieren oder das Kontingent erhöhen.',
                v_row.mail_login, v_row.percent, v_warn
            ),
            'mailbox_quota:' || v_row.mail_login || ':' || extract(epoch from v_row.warned_at)::text
        );
    end if;
    perform app_private.record_connector_success(v_tenant, 'kas');
    return jsonb_build_object(
        'percent', v_row.percent, 'warned', v_row.warned_at is not null,
        'notified', v_row.warned_at is not null and not coalesce(v_was_warned, false)
    );
end
$$;

--
-- Name: FUNCTION store_mailbox_quota(p_tenant_slug text, p_mail_login text, p_quota jsonb); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.store_mailbox_quota(p_tenant_slug text, p_mail_login text, p_quota jsonb) IS 'Stores the mailbox''s quota and usage from KAS; above mail.quota.warnPercent the mail connector is degraded and the tenant''s admins are notified once.';

--
-- Name: submit_feedback(bytea, jsonb); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.submit_feedback(p_token_hash bytea, p_submission jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_now timestamptz := app.now();
    v_token app_private.feedback_tokens;
    v_lead app.leads;
    v_phase app.test_phases;
    v_first boolean;
    v_submission_id uuid := gen_random_uuid();
    v_item record;
    v_count integer;
    v_status text;
    v_contact text := btrim(p_submission #>> '{contact,name}');
    v_role text := p_submission #>> '{contact,role}';
    v_key uuid := (p_submission ->> 'submission_key')::uuid;
    v_repeat jsonb;
begin
    -- a form posted again (reload, double tap) gets the first answer, even if that used the link up
    v_repeat := app_private.repeated_submission(p_token_hash, v_key);
    if v_repeat is not null then
        return v_repeat;
    end if;
    -- unknown and unusable tokens cost the same single lookup (and take no locks)
    select t.* into v_token from app_private.feedback_tokens as t
    where
        t.token_hash = p_token_hash
        and app.feedback_link_state(t.expires_at, t.revoked_at, t.submissions, t.max_submissions, v_now) = 'ACTIVE';
    if v_token.id is not null then
        select l.* into v_lead from app.leads as l where l.id = v_token.lead_id for update;
        select ph.* into v_phase from app.test_phases as ph where ph.id = v_token.phase_id for update;
        -- the same form may have been stored while this one waited for the locks
        v_repeat := app_private.repeated_submission(p_token_hash, v_key);
        if v_repeat is not null then
            return v_repeat;
        end if;
        -- counted only while usable; a concurrent submission waits for the row and re-checks
        update app_private.feedback_tokens as t
        set submissions = t.submissions + 1
        where
            t.id = v_token.id and t.revoked_at is null and t.expires_at > v_now
            and t.submissions < t.max_submissions
        returning t.* into v_token;
    end if;
    if v_token.id is null then
        return jsonb_build_object('accepted', false);
    end if;

    -- the service validates first; the rules hold here too, whoever calls
    if jsonb_typeof(p_submission -> 'items') is distinct from 'array'
        or jsonb_array_length(p_submission -> 'items') not between 1 and 50 then
        perform app.raise_error(
            'FP911', 422, 'Bitte bewerten Sie mindestens ein und höchstens 50 Produkte.', 'items'
        );
    end if;
    for v_item in
        select e.value, e.ordinality - 1 as i from jsonb_array_elements(p_submission -> 'items') with ordinality as e
    loop
        if not exists (
            select from app.sample_box_items as b where b.box_id = v_phase.box_id and b.sku = v_item.value ->> 'sku'
        ) then
            perform app.raise_error(
                'FP911', 422, 'Dieses Produkt gehört nicht zur Probebox.', format('items[%s].sku', v_item.i)
            );
        end if;
        if exists (
            select from jsonb_array_elements(p_submission -> 'items') with ordinality as o
            where o.value ->> 'sku' = v_item.value ->> 'sku' and o.ordinality - 1 < v_item.i
        ) then
            perform app.raise_error(
                'FP911', 422, 'Dieses Produkt wurde zweimal bewertet.', format('items[%s].sku', v_item.i)
            );
        end if;
    end loop;

    v_first := not exists (select from app.feedback_submissions as s where s.phase_id = v_phase.id);
    insert into app.feedback_submissions (
        id, tenant_id, lead_id, phase_id, token_id, contact_name, contact_role, comment, submission_key
    )
    values (
        v_submission_id, v_lead.tenant_id, v_lead.id, v_phase.id, v_token.id, nullif(v_contact, ''), v_role,
        nullif(btrim(p_submission ->> 'comment'), ''), v_key
    );
    insert into app.product_feedback (
        tenant_id, lead_id, phase_id, submission_id, sku, rating, comment, would_reorder, contact_name,
        contact_role, source, received_at
    )
    select
        v_lead.tenant_id, v_lead.id, v_phase.id, v_submission_id, e.value ->> 'sku', (e.value ->> 'rating')::integer,
        nullif(btrim(e.value ->> 'comment'), ''), (e.value ->> 'would_reorder')::boolean, nullif(v_contact, ''),
        v_role, 'FORM', v_now
    from jsonb_array_elements(p_submission -> 'items') as e;
    get diagnostics v_count = row_count;

    if v_first then
        v_status := app.lead_status(
            v_lead, (select c from app.protection_configs as c where c.tenant_id = v_lead.tenant_id), v_now
        );
        if v_status in ('ACTIVE', 'GRACE') then
            -- a qualifying activity of the current protection cycle (a lead that already expired is
            -- not revived by it: its managers are told instead)
            insert into app.activities (tenant_id, lead_id, assignment_id, kind, occurred_at, note)
            values (
                v_lead.tenant_id, v_lead.id, v_lead.assignment_id, 'SAMPLE_FEEDBACK', v_now,
                -- the role only: the activity outlives pseudonymisation, the name must not
                format(
                    'Kundenfeedback über den Feedback-Link (%s): %s Produkt(e) bewertet%s.',
                    v_phase.stage, v_count,
                    case when v_role is not null then format(', von der Kontaktperson (%s)', v_role) else '' end
                )
            );
            perform app_private.notify(
                v_lead.tenant_id, v_lead.owner_id, 'FEEDBACK_RECEIVED', v_lead.id,
                format('Kundenfeedback zu %s', v_lead.company_name),
                format(
                    '%s hat über den Feedback-Link %s Produkt(e) der Probebox bewertet. Die Aktivität '
                    'SAMPLE_FEEDBACK wurde eingetragen und zählt als Fortschritt.',
                    v_lead.company_name, v_count
                ),
                'feedback:' || v_phase.id
            );
        else
            perform app_private.notify_roles(
                v_lead.tenant_id, array['sales_manager'], 'FEEDBACK_RECEIVED', v_lead.id,
                format('Kundenfeedback zu %s', v_lead.company_name),
                format(
                    '%s hat über den Feedback-Link %s Produkt(e) bewertet. Der Lead ist %s; es wurde keine '
                    'Aktivität eingetragen.',
                    v_lead.company_name, v_count, v_status
                ),
                'feedback:' || v_phase.id
            );
        end if;
    end if;
    -- feedback arrived through this link: its reminder is no longer wanted
    update app.jobs as j set state = 'CANCELLED', finished_at = pg_catalog.now()
    where j.dedupe_key = 'feedback_reminder:' || v_token.id and j.state = 'PENDING';

    perform app_private.write_audit(
        v_lead.tenant_id, 'feedback.submitted', 'feedback_submission', v_submission_id, v_lead.id, null,
        jsonb_build_object(
            'phase_id', v_phase.id, 'token_id', v_token.id, 'items', v_count, 'first', v_first,
            'submissions', v_token.submissions
        ),
        null, true
    );
    return jsonb_build_object(
        'accepted', true,
        'submission_id', v_submission_id,
        'submissions_left', v_token.max_submissions - v_token.submissions
    );
end
$$;

--
-- Name: FUNCTION submit_feedback(p_token_hash bytea, p_submission jsonb); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.submit_feedback(p_token_hash bytea, p_submission jsonb) IS 'Stores one feedback form submission for a usable token (by its SHA-256), counting it atomically; {"accepted": false} for any unusable token.';

--
-- Name: sweep_protection(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.sweep_protection() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_now timestamptz := app.now();
    v_warnings integer;
    v_reminders integer;
    v_released integer := 0;
    v_lead uuid;
begin
    -- WARNING (t >= warning_at, still ACTIVE before the deadline) and REMINDER (t >= progress_due_at:
    -- GRACE). A lead past several deadlines gets only the latest notice; each once per cycle.
    with due as (
        select
            l.id, l.tenant_id, l.assignment_id, l.anchor_at,
            l.assignment_id || '@' || extract(epoch from l.anchor_at) as cycle_key,
            case
                when d.status = 'GRACE' then 'REMINDER'
                when d.status = 'ACTIVE' and v_now < d.progress_due_at then 'WARNING'
            end as kind
        from app.leads as l
        inner join app.protection_configs as c on l.tenant_id = c.tenant_id
        cross join lateral app.protection_deadlines(
        l.registered_at, l.anchor_at, l.held_since_anchor, l.held_since_registration, l.hold_start, l.hold_end,
        l.hold_reason, l.extension_days, l.override_until, c.timezone, c.progress_days, c.warning_days,
        c.grace_days, c.base_months, c.mode, c.hold_max_days, v_now
    ) as d
        where l.owner_id is not null and d.warning_at <= v_now and d.status in ('ACTIVE', 'GRACE')
    ),

    inserted as (
        insert into app.protection_notices (tenant_id, lead_id, kind, cycle_key, facts)
        select due.tenant_id, due.id, due.kind, due.cycle_key, app.notice_facts(l, c, v_now)
        from due
        inner join app.leads as l on due.id = l.id
        inner join app.protection_configs as c on l.tenant_id = c.tenant_id
        -- the facts are computed only for notices not recorded yet
        where due.kind is not null and not exists (
            select from app.protection_notices as n
            where n.lead_id = due.id and n.kind = due.kind and n.cycle_key = due.cycle_key
        )
        on conflict (lead_id, kind, cycle_key) do nothing
        returning kind
    )

    select
        count(*) filter (where inserted.kind = 'WARNING'),
        count(*) filter (where inserted.kind = 'REMINDER')
    into v_warnings, v_reminders
    from inserted;

    -- EXPIRED: release each expired lead (closing its cycle, as claim_lead would).
    for v_lead in
        select l.id
        from app.leads as l
        inner join app.protection_configs as c on l.tenant_id = c.tenant_id
        cross join lateral app.protection_deadlines(
        l.registered_at, l.anchor_at, l.held_since_anchor, l.held_since_registration, l.hold_start, l.hold_end,
        l.hold_reason, l.extension_days, l.override_until, c.timezone, c.progress_days, c.warning_days,
        c.grace_days, c.base_months, c.mode, c.hold_max_days, v_now
    ) as d
        where l.owner_id is not null and d.status = 'EXPIRED'
        for update of l skip locked
    loop
        perform app_private.release_lead(v_lead, 'EXPIRED', true);
        v_released := v_released + 1;
    end loop;

    perform app_private.deliver_notices();
    return jsonb_build_object('warnings', v_warnings, 'reminders', v_reminders, 'released', v_released);
end
$$;

--
-- Name: FUNCTION sweep_protection(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.sweep_protection() IS 'Records due WARNING and REMINDER notices and releases expired leads, as of app.now(); idempotent.';

--
-- Name: take_job(text[], text); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.take_job(p_kinds text[], p_worker text) RETURNS app.jobs
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_job app.jobs;
begin
    select j.* into v_job
    from app.jobs as j
    where j.state = 'PENDING' and j.next_attempt_at <= pg_catalog.now() and j.kind = any(p_kinds)
    order by j.next_attempt_at, j.id
    limit 1
    for update skip locked;
    if v_job.id is null then
        return null;
    end if;
    update app.jobs as j
    set attempts = j.attempts + 1, started_at = pg_catalog.now(), locked_by = left(p_worker, 200)
    where j.id = v_job.id
    returning j.* into v_job;
    return v_job;
end
$$;

--
-- Name: FUNCTION take_job(p_kinds text[], p_worker text); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.take_job(p_kinds text[], p_worker text) IS 'Takes the next due PENDING job of the given kinds (FOR UPDATE SKIP LOCKED) and counts the attempt; the row stays locked until the caller''s transaction ends. Null when nothing is due.';

--
-- Name: tg_activity_kinds__refresh_leads(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_activity_kinds__refresh_leads() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
    -- only leads with an activity of this kind can have a different anchor now
    perform app_private.refresh_leads_state(array(
        select distinct a.lead_id from app.activities as a where a.tenant_id = new.tenant_id and a.kind = new.kind
    ));
    return null;
end
$$;

--
-- Name: FUNCTION tg_activity_kinds__refresh_leads(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_activity_kinds__refresh_leads() IS 'After a kind''s progress flag changes, recompute the anchors of the leads with such activities.';

--
-- Name: tg_audit_log__refuse_change(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_audit_log__refuse_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
    raise exception 'app.audit_log is append-only: % refused', tg_op
        using errcode = 'insufficient_privilege';
end
$$;

--
-- Name: FUNCTION tg_audit_log__refuse_change(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_audit_log__refuse_change() IS 'Refuses UPDATE, DELETE and TRUNCATE on app.audit_log, whoever asks.';

--
-- Name: tg_connector_states__down_since(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_connector_states__down_since() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
    if new.last_error_at is not null and (new.last_success_at is null or new.last_error_at > new.last_success_at) then
        new.down_since := case
            when tg_op = 'UPDATE' and old.down_since is not null then old.down_since
            else new.last_error_at
        end;
    else
        new.down_since := null;
    end if;
    return new;
end
$$;

--
-- Name: FUNCTION tg_connector_states__down_since(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_connector_states__down_since() IS 'Sets down_since to the first failure after the last success, and clears it on a success.';

--
-- Name: tg_jobs__forget_link(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_jobs__forget_link() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
    if new.state <> 'PENDING' and new.payload ? 'link' then
        new.payload := new.payload - 'link';
    end if;
    return new;
end
$$;

--
-- Name: FUNCTION tg_jobs__forget_link(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_jobs__forget_link() IS 'Removes the feedback link from a mail job once it is done, parked or cancelled.';

--
-- Name: tg_jobs__mail_texts(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_jobs__mail_texts() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
    v_timezone text := new.payload ->> 'timezone';
begin
    -- the Message-ID replies name (app.inbound_mail_lead): the job and a part nobody can guess
    new.message_id := coalesce(
        new.message_id, format('<job-%s.%s@freshplan>', new.id, replace(pg_catalog.gen_random_uuid()::text, '-', ''))
    );
    new.payload := new.payload || jsonb_build_object(
        'subject', app.mail_subject(new.template, new.payload),
        'progress_due', app.format_german_date(new.payload ->> 'progress_due_at', v_timezone),
        'grace_until_date', app.format_german_date(new.payload ->> 'grace_until', v_timezone),
        'expires', app.format_german_date(new.payload ->> 'expires_at', v_timezone)
    );
    return new;
end
$$;

--
-- Name: FUNCTION tg_jobs__mail_texts(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_jobs__mail_texts() IS 'Gives a mail job its Message-ID and adds the subject and the German dates to its template values.';

--
-- Name: tg_jobs__wake_workers(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_jobs__wake_workers() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
    perform pg_catalog.pg_notify('freshplan_jobs', '');
    return null;
end
$$;

--
-- Name: FUNCTION tg_jobs__wake_workers(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_jobs__wake_workers() IS 'Wakes the workers (LISTEN freshplan_jobs) once per statement that queues jobs.';

--
-- Name: tg_lead_source__refresh(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_lead_source__refresh() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
    if tg_op = 'INSERT' then
        perform app_private.refresh_leads_state(array[new.lead_id]);
    elsif tg_op = 'DELETE' then
        perform app_private.refresh_leads_state(array[old.lead_id]);
    else
        perform app_private.refresh_leads_state(array[old.lead_id, new.lead_id]);
    end if;
    return null;
end
$$;

--
-- Name: FUNCTION tg_lead_source__refresh(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_lead_source__refresh() IS 'After a change to a lead''s assignments, activities, holds, extensions or overrides, recompute its state.';

--
-- Name: tg_protection_configs__refresh_leads(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_protection_configs__refresh_leads() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
    -- only leads with an approved hold in their current cycle count capped hold time
    perform app_private.refresh_leads_state(array(
        select distinct h.lead_id
        from app.holds as h
        inner join app.leads as l on h.assignment_id = l.assignment_id
        where h.tenant_id = new.tenant_id and h.state = 'APPROVED'
    ));
    return null;
end
$$;

--
-- Name: FUNCTION tg_protection_configs__refresh_leads(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_protection_configs__refresh_leads() IS 'After the hold caps of a tenant change, recompute the hold time of its leads.';

--
-- Name: tg_samples__same_box_lead(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_samples__same_box_lead() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
    if not exists (select from app.sample_boxes as b where b.id = new.box_id and b.lead_id = new.lead_id) then
        raise exception 'a % row belongs to the lead of its sample box', tg_table_name
            using errcode = 'foreign_key_violation';
    end if;
    return new;
end
$$;

--
-- Name: FUNCTION tg_samples__same_box_lead(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_samples__same_box_lead() IS 'Refuses a box item or test phase whose lead is not the lead of its sample box.';

--
-- Name: tg_samples__same_phase_lead(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_samples__same_phase_lead() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
    if not exists (select from app.test_phases as p where p.id = new.phase_id and p.lead_id = new.lead_id) then
        raise exception 'a % row belongs to the lead of its test phase', tg_table_name
            using errcode = 'foreign_key_violation';
    end if;
    return new;
end
$$;

--
-- Name: FUNCTION tg_samples__same_phase_lead(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_samples__same_phase_lead() IS 'Refuses a result, link, submission or feedback row whose lead is not the lead of its test phase.';

--
-- Name: tg_settings__refresh_configs(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_settings__refresh_configs() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
    -- A registry default or a global value concerns every tenant (null); others one tenant.
    if tg_table_name = 'settings_registry' then
        perform app_private.refresh_protection_configs(null);
    elsif tg_op = 'DELETE' then
        perform app_private.refresh_protection_configs(old.tenant_id);
    else
        perform app_private.refresh_protection_configs(new.tenant_id);
        if tg_op = 'UPDATE' and old.tenant_id is distinct from new.tenant_id then
            perform app_private.refresh_protection_configs(old.tenant_id);
        end if;
    end if;
    return null;
end
$$;

--
-- Name: FUNCTION tg_settings__refresh_configs(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_settings__refresh_configs() IS 'Keeps app.protection_configs in step with settings values and registry defaults.';

--
-- Name: tg_tenants__create_config(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_tenants__create_config() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
    perform app_private.refresh_protection_configs(new.id);
    return null;
end
$$;

--
-- Name: FUNCTION tg_tenants__create_config(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_tenants__create_config() IS 'A new tenant gets its configuration row.';

--
-- Name: tg_tenants__seed_activity_kinds(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_tenants__seed_activity_kinds() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
    insert into app.activity_kinds (tenant_id, kind, counts_as_progress, description)
    select new.id, d.kind, d.counts_as_progress, d.description from app.default_activity_kinds as d;
    return null;
end
$$;

--
-- Name: FUNCTION tg_tenants__seed_activity_kinds(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_tenants__seed_activity_kinds() IS 'A new tenant gets the default kinds.';

--
-- Name: tg_users__audit(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_users__audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
    if tg_op = 'INSERT' then
        perform app_private.audit(
            new.tenant_id, 'user.created', 'user', new.id, null, null,
            jsonb_build_object('email', new.email, 'role', new.role, 'org_id', new.org_id)
        );
    elsif old.active and not new.active then
        perform app_private.audit(
            new.tenant_id, 'user.deactivated', 'user', new.id, null,
            jsonb_build_object('active', true), jsonb_build_object('active', false)
        );
    elsif not old.active and new.active then
        perform app_private.audit(
            new.tenant_id, 'user.reactivated', 'user', new.id, null,
            jsonb_build_object('active', false), jsonb_build_object('active', true)
        );
    end if;
    if tg_op = 'UPDATE' and new.display_name is distinct from old.display_name then
        perform app_private.audit(
            new.tenant_id, 'user.renamed', 'user', new.id, null,
            jsonb_build_object('display_name', old.display_name), jsonb_build_object('display_name', new.display_name)
        );
    end if;
    return null;
end
$$;

--
-- Name: FUNCTION tg_users__audit(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_users__audit() IS 'Audits user creation, deactivation, reactivation and renaming, however they are made.';

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
-- Name: upsert_products(uuid, jsonb); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.upsert_products(p_tenant_id uuid, p_items jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
    v_renumbered integer;
    v_inserted integer;
    v_updated integer;
begin
    if jsonb_typeof(p_items) is distinct from 'array' then
        raise exception 'products must be a JSON array' using errcode = 'invalid_parameter_value';
    end if;
    -- a Xentral product whose number changed: its old SKU is gone from Xentral (first, so the new
    -- SKU can take the Xentral id)
    update app.products as p
    set xentral_id = null, active = false, synced_at = app.now(), updated_at = app.now()
    from app_private.product_items(p_items) as i
    where i.usable and p.tenant_id = p_tenant_id and p.xentral_id = i.xentral_id and p.sku <> i.sku;
    get diagnostics v_renumbered = row_count;
    with items as (
        -- one row per SKU and per Xentral id (of duplicates, the lowest id and SKU win)
        select distinct on (u.sku) u.*
        from (
            select distinct on (i.xentral_id) i.*
            from app_private.product_items(p_items) as i
            where i.usable
            order by i.xentral_id, i.sku
        ) as u
        order by u.sku, u.xentral_id
    ),
    written as (
        insert into app.products as p (tenant_id, sku, xentral_id, name, unit, active, net_price, currency, synced_at)
        select p_tenant_id, i.sku, i.xentral_id, i.name, i.unit, i.active, i.net_price, i.currency, app.now()
        from items as i
        on conflict (tenant_id, sku) do update
        set
            xentral_id = excluded.xentral_id, name = excluded.name, unit = excluded.unit, active = excluded.active,
            net_price = excluded.net_price, currency = excluded.currency, synced_at = app.now(),
            updated_at = app.now()
        where (p.xentral_id, p.name, p.unit, p.active, p.net_price, p.currency)
            is distinct from (excluded.xentral_id, excluded.name, excluded.unit, excluded.active,
                excluded.net_price, excluded.currency)
        returning (xmax = 0) as inserted
    )
    select count(*) filter (where inserted), count(*) filter (where not inserted)
    into v_inserted, v_updated
    from written;
    return jsonb_build_object(
        'inserted', v_inserted,
        'updated', v_updated,
        'renumbered', v_renumbered,
        'skipped', (
            select coalesce(jsonb_agg(coalesce(i.xentral_id, '?') order by i.xentral_id), '[]')
            from app_private.product_items(p_items) as i where not i.usable
        )
    );
end
$$;

--
-- Name: FUNCTION upsert_products(p_tenant_id uuid, p_items jsonb); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.upsert_products(p_tenant_id uuid, p_items jsonb) IS 'Writes one page of synced products ([{xentral_id, sku, name, unit, active, net_price, currency}]); only changed rows are touched, unusable items skipped. Returns {inserted, updated, renumbered, skipped: [ids]}.';

--
-- Name: worker_health(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.worker_health() RETURNS TABLE(live_workers integer, last_seen_at timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    select
        (count(*) filter (where w.last_seen_at > pg_catalog.now() - interval '60 seconds'))::integer,
        max(w.last_seen_at)
    from app.worker_heartbeats as w
$$;

--
-- Name: FUNCTION worker_health(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.worker_health() IS 'Workers seen in the last minute, and the latest heartbeat (for /health).';

--
-- Name: write_audit(uuid, text, text, uuid, uuid, jsonb, jsonb, text, boolean); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.write_audit(p_tenant_id uuid, p_action text, p_entity_type text, p_entity_id uuid, p_lead_id uuid, p_before jsonb, p_after jsonb, p_reason text, p_as_system boolean) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    insert into app.audit_log (
        tenant_id, actor_id, actor_role, action, entity_type, entity_id, lead_id,
        before, after, reason, request_id
    )
    values (
        p_tenant_id,
        case when not p_as_system then app.current_user_id() end,
        case when not p_as_system then app.current_web_role() end,
        p_action,
        p_entity_type,
        p_entity_id,
        p_lead_id,
        p_before,
        p_after,
        p_reason,
        left(
            coalesce(nullif(pg_catalog.current_setting('request.headers', true), ''), '{}')::jsonb
            ->> 'x-request-id',
            200
        )
    )
$$;

--
-- Name: FUNCTION write_audit(p_tenant_id uuid, p_action text, p_entity_type text, p_entity_id uuid, p_lead_id uuid, p_before jsonb, p_after jsonb, p_reason text, p_as_system boolean); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.write_audit(p_tenant_id uuid, p_action text, p_entity_type text, p_entity_id uuid, p_lead_id uuid, p_before jsonb, p_after jsonb, p_reason text, p_as_system boolean) IS 'Appends one audit entry; the actor is the caller, or nobody (the system) when p_as_system.';

--
-- Name: ai_budget_months; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.ai_budget_months (
    org_id uuid NOT NULL,
    tenant_id uuid NOT NULL,
    month date NOT NULL,
    spent_eur numeric(14,8) DEFAULT 0 NOT NULL,
    CONSTRAINT ai_budget_months_first_day CHECK ((EXTRACT(day FROM month) = (1)::numeric)),
    CONSTRAINT ai_budget_months_spent_not_negative CHECK ((spent_eur >= (0)::numeric))
);

--
-- Name: TABLE ai_budget_months; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.ai_budget_months IS 'Settled AI spend of an organisation in a calendar month.';

--
-- Name: COLUMN ai_budget_months.org_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_budget_months.org_id IS 'Organisation.';

--
-- Name: COLUMN ai_budget_months.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_budget_months.tenant_id IS 'Tenant of the organisation.';

--
-- Name: COLUMN ai_budget_months.month; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_budget_months.month IS 'First day of the month (tenant time zone).';

--
-- Name: COLUMN ai_budget_months.spent_eur; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_budget_months.spent_eur IS 'EUR settled for calls in this month.';

--
-- Name: ai_reservations; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.ai_reservations (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    org_id uuid NOT NULL,
    user_id uuid NOT NULL,
    month date NOT NULL,
    provider text NOT NULL,
    model text NOT NULL,
    amount_eur numeric(14,8) NOT NULL,
    created_at timestamp with time zone DEFAULT app.now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    settled_at timestamp with time zone,
    cost_eur numeric(14,8),
    CONSTRAINT ai_reservations_amount_not_negative CHECK ((amount_eur >= (0)::numeric)),
    CONSTRAINT ai_reservations_settled_consistent CHECK (((settled_at IS NULL) = (cost_eur IS NULL)))
);

--
-- Name: TABLE ai_reservations; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.ai_reservations IS 'Worst-case cost of one provider call, held against the budgets until the call is settled or expires.';

--
-- Name: COLUMN ai_reservations.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_reservations.id IS 'Reservation id.';

--
-- Name: COLUMN ai_reservations.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_reservations.tenant_id IS 'Tenant.';

--
-- Name: COLUMN ai_reservations.org_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_reservations.org_id IS 'Organisation whose budget is charged.';

--
-- Name: COLUMN ai_reservations.user_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_reservations.user_id IS 'User whose call it is.';

--
-- Name: COLUMN ai_reservations.month; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_reservations.month IS 'Budget month (first day, tenant time zone).';

--
-- Name: COLUMN ai_reservations.provider; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_reservations.provider IS 'Provider called.';

--
-- Name: COLUMN ai_reservations.model; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_reservations.model IS 'Model called.';

--
-- Name: COLUMN ai_reservations.amount_eur; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_reservations.amount_eur IS 'EUR held: the call''s worst case.';

--
-- Name: COLUMN ai_reservations.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_reservations.created_at IS 'When it was made.';

--
-- Name: COLUMN ai_reservations.expires_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_reservations.expires_at IS 'When an unsettled reservation stops counting (10 minutes).';

--
-- Name: COLUMN ai_reservations.settled_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_reservations.settled_at IS 'When the call''s real cost was booked.';

--
-- Name: COLUMN ai_reservations.cost_eur; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_reservations.cost_eur IS 'The real cost, once settled.';

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
-- Name: ai_budget; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.ai_budget WITH (security_invoker='true') AS
 WITH months AS (
         SELECT o.id AS org_id,
            o.tenant_id,
            app.ai_month(o.tenant_id, app.now()) AS month
           FROM app.orgs o
          WHERE ((o.tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND ((( SELECT app.current_web_role() AS current_web_role) <> 'sales_rep'::text) OR (o.id = ( SELECT app.current_org_id() AS current_org_id))))
        UNION
         SELECT b_1.org_id,
            b_1.tenant_id,
            b_1.month
           FROM app.ai_budget_months b_1
        )
 SELECT m.org_id,
    m.month,
    ((app.effective_setting('ai.budget.monthly.cap'::text, m.tenant_id, m.org_id, NULL::uuid) #>> '{}'::text[]))::numeric AS cap_eur,
    COALESCE(b.spent_eur, (0)::numeric) AS spent_eur,
    COALESCE(( SELECT sum(r.amount_eur) AS sum
           FROM app.ai_reservations r
          WHERE ((r.org_id = m.org_id) AND (r.month = m.month) AND (r.settled_at IS NULL) AND (r.expires_at > app.now()))), (0)::numeric) AS reserved_eur
   FROM (months m
     LEFT JOIN app.ai_budget_months b ON (((m.org_id = b.org_id) AND (m.month = b.month))));

--
-- Name: VIEW ai_budget; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.ai_budget IS 'AI spend per organisation and month against the cap (SPEC 7.4): a rep sees their organisation, managers, auditors and admins every organisation of the tenant.';

--
-- Name: COLUMN ai_budget.org_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_budget.org_id IS 'Organisation.';

--
-- Name: COLUMN ai_budget.month; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_budget.month IS 'First day of the month (tenant time zone).';

--
-- Name: COLUMN ai_budget.cap_eur; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_budget.cap_eur IS 'ai.budget.monthly.cap of the organisation.';

--
-- Name: COLUMN ai_budget.spent_eur; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_budget.spent_eur IS 'EUR settled.';

--
-- Name: COLUMN ai_budget.reserved_eur; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_budget.reserved_eur IS 'EUR held by calls in flight.';

--
-- Name: ai_calls; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.ai_calls (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    org_id uuid NOT NULL,
    user_id uuid NOT NULL,
    occurred_at timestamp with time zone DEFAULT app.now() NOT NULL,
    use_case text NOT NULL,
    prompt_version text NOT NULL,
    provider text,
    model text,
    tier text,
    escalated boolean DEFAULT false NOT NULL,
    cached boolean DEFAULT false NOT NULL,
    input_tokens integer DEFAULT 0 NOT NULL,
    output_tokens integer DEFAULT 0 NOT NULL,
    cost_eur numeric(14,8) DEFAULT 0 NOT NULL,
    latency_ms numeric(10,2) NOT NULL,
    confidence numeric(5,4),
    outcome text NOT NULL,
    CONSTRAINT ai_calls_confidence_range CHECK (((confidence >= (0)::numeric) AND (confidence <= (1)::numeric))),
    CONSTRAINT ai_calls_cost_not_negative CHECK ((cost_eur >= (0)::numeric)),
    CONSTRAINT ai_calls_latency_not_negative CHECK ((latency_ms >= (0)::numeric)),
    CONSTRAINT ai_calls_model_format CHECK ((model ~ '^[a-z0-9][a-z0-9._-]{0,99}$'::text)),
    CONSTRAINT ai_calls_outcome_known CHECK ((outcome = ANY (ARRAY['ok'::text, 'budget_exhausted'::text, 'unavailable'::text, 'no_answer'::text]))),
    CONSTRAINT ai_calls_prompt_version_format CHECK ((prompt_version ~ '^[a-z0-9._-]{1,40}$'::text)),
    CONSTRAINT ai_calls_provider_known CHECK ((provider = ANY (ARRAY['openai'::text, 'anthropic'::text]))),
    CONSTRAINT ai_calls_tier_known CHECK ((tier = ANY (ARRAY['small'::text, 'large'::text]))),
    CONSTRAINT ai_calls_tokens_not_negative CHECK (((input_tokens >= 0) AND (output_tokens >= 0))),
    CONSTRAINT ai_calls_use_case_known CHECK ((use_case = ANY (ARRAY['lead_classify'::text, 'email_categorize'::text, 'contact_role_detect'::text, 'help_draft'::text, 'roi_recommend'::text, 'multi_contact_strategy'::text, 'sample_product_match'::text, 'seasonal_optimize'::text])))
);

--
-- Name: TABLE ai_calls; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.ai_calls IS 'Every call of the AI router (SPEC 7.4): what ran where, its tokens, cost, latency and outcome; no prompt text and no personal data.';

--
-- Name: COLUMN ai_calls.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.id IS 'Call id (the call_id of the answer).';

--
-- Name: COLUMN ai_calls.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.tenant_id IS 'Tenant.';

--
-- Name: COLUMN ai_calls.org_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.org_id IS 'Organisation whose budget paid.';

--
-- Name: COLUMN ai_calls.user_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.user_id IS 'Caller.';

--
-- Name: COLUMN ai_calls.occurred_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.occurred_at IS 'When the call ended.';

--
-- Name: COLUMN ai_calls.use_case; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.use_case IS 'Use case (SPEC 7.2).';

--
-- Name: COLUMN ai_calls.prompt_version; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.prompt_version IS 'Version of the prompt template used.';

--
-- Name: COLUMN ai_calls.provider; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.provider IS 'Provider that served the answer (null: none did).';

--
-- Name: COLUMN ai_calls.model; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.model IS 'Model that served the answer (null: none did).';

--
-- Name: COLUMN ai_calls.tier; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.tier IS 'small or large: the tier that served the answer.';

--
-- Name: COLUMN ai_calls.escalated; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.escalated IS 'True when a small answer was not confident enough and the large model was asked.';

--
-- Name: COLUMN ai_calls.cached; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.cached IS 'True when the answer came from the cache (no provider call, no cost).';

--
-- Name: COLUMN ai_calls.input_tokens; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.input_tokens IS 'Input tokens over all provider calls of this router call.';

--
-- Name: COLUMN ai_calls.output_tokens; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.output_tokens IS 'Output tokens over all provider calls of this router call.';

--
-- Name: COLUMN ai_calls.cost_eur; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.cost_eur IS 'EUR charged to the budget.';

--
-- Name: COLUMN ai_calls.latency_ms; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.latency_ms IS 'Milliseconds from request to answer.';

--
-- Name: COLUMN ai_calls.confidence; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.confidence IS 'Calibrated confidence of the answer (small-first use cases).';

--
-- Name: COLUMN ai_calls.outcome; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calls.outcome IS 'ok, budget_exhausted (402), unavailable (no provider answered) or no_answer (no valid answer).';

--
-- Name: ai_calls; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.ai_calls WITH (security_invoker='true') AS
 SELECT c.id,
    c.occurred_at,
    c.user_id,
    c.org_id,
    c.use_case,
    c.provider,
    c.model,
    c.tier,
    c.escalated,
    c.cached,
    c.input_tokens,
    c.output_tokens,
    c.cost_eur,
    c.latency_ms,
    c.outcome
   FROM app.ai_calls c;

--
-- Name: VIEW ai_calls; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.ai_calls IS 'The AI call log (SPEC 7.4): reps see their own calls, managers, auditors and admins their tenant''s.';

--
-- Name: COLUMN ai_calls.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_calls.id IS 'Call id (call_id of the answer).';

--
-- Name: COLUMN ai_calls.occurred_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_calls.occurred_at IS 'When the call ended.';

--
-- Name: COLUMN ai_calls.user_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_calls.user_id IS 'Caller.';

--
-- Name: COLUMN ai_calls.org_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_calls.org_id IS 'Organisation whose budget paid.';

--
-- Name: COLUMN ai_calls.use_case; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_calls.use_case IS 'Use case.';

--
-- Name: COLUMN ai_calls.provider; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_calls.provider IS 'Provider that served the answer, or null.';

--
-- Name: COLUMN ai_calls.model; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_calls.model IS 'Model that served the answer, or null.';

--
-- Name: COLUMN ai_calls.tier; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_calls.tier IS 'small or large.';

--
-- Name: COLUMN ai_calls.escalated; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_calls.escalated IS 'The small answer was not confident enough; the large model answered.';

--
-- Name: COLUMN ai_calls.cached; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_calls.cached IS 'Answered from the cache, at no cost.';

--
-- Name: COLUMN ai_calls.input_tokens; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_calls.input_tokens IS 'Input tokens of all provider calls.';

--
-- Name: COLUMN ai_calls.output_tokens; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_calls.output_tokens IS 'Output tokens of all provider calls.';

--
-- Name: COLUMN ai_calls.cost_eur; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_calls.cost_eur IS 'EUR charged.';

--
-- Name: COLUMN ai_calls.latency_ms; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_calls.latency_ms IS 'Milliseconds until the answer.';

--
-- Name: COLUMN ai_calls.outcome; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.ai_calls.outcome IS 'ok, budget_exhausted, unavailable or no_answer.';

--
-- Name: alert_states; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.alert_states (
    tenant_id uuid NOT NULL,
    alert text NOT NULL,
    subject text NOT NULL,
    severity text NOT NULL,
    value double precision NOT NULL,
    threshold double precision NOT NULL,
    fired_at timestamp with time zone NOT NULL,
    evaluated_at timestamp with time zone NOT NULL,
    resolved_at timestamp with time zone,
    CONSTRAINT alert_states_alert_known CHECK ((alert = ANY (ARRAY['LeadProtectionHighExpiry'::text, 'AiBudgetExceeded'::text, 'CreditCheckSLAViolation'::text, 'JobHeartbeatMissing'::text, 'JobBacklogHigh'::text, 'IntegrationDown'::text]))),
    CONSTRAINT alert_states_severity_known CHECK ((severity = ANY (ARRAY['warning'::text, 'critical'::text]))),
    CONSTRAINT alert_states_subject_length CHECK ((char_length(subject) <= 200))
);

--
-- Name: TABLE alert_states; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.alert_states IS 'Each alert that fired for a tenant, for what (a job, a kind, a connector, an organisation), until and after it resolved: written by app_private.evaluate_alerts (pg_cron, every minute).';

--
-- Name: COLUMN alert_states.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.alert_states.tenant_id IS 'Tenant notified.';

--
-- Name: COLUMN alert_states.alert; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.alert_states.alert IS 'Alert name, as in deploy/prometheus/alerts.yml.';

--
-- Name: COLUMN alert_states.subject; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.alert_states.subject IS 'What it is about: a job name, a job kind, a connector, an organisation id, or empty for the tenant.';

--
-- Name: COLUMN alert_states.severity; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.alert_states.severity IS 'warning or critical (the last seen while firing).';

--
-- Name: COLUMN alert_states.value; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.alert_states.value IS 'The measured value at the last evaluation while firing.';

--
-- Name: COLUMN alert_states.threshold; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.alert_states.threshold IS 'The threshold it was compared with.';

--
-- Name: COLUMN alert_states.fired_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.alert_states.fired_at IS 'When this firing began.';

--
-- Name: COLUMN alert_states.evaluated_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.alert_states.evaluated_at IS 'Last evaluation that found it firing.';

--
-- Name: COLUMN alert_states.resolved_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.alert_states.resolved_at IS 'When it cleared; null while it fires.';

--
-- Name: alerts; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.alerts WITH (security_invoker='true') AS
 SELECT s.alert,
    s.subject,
    s.severity,
    s.value,
    s.threshold,
    s.fired_at,
    s.evaluated_at,
    s.resolved_at
   FROM app.alert_states s
  WHERE ((s.resolved_at IS NULL) OR (s.resolved_at > (app.now() - '30 days'::interval)));

--
-- Name: VIEW alerts; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.alerts IS 'The tenant''s alerts firing now or resolved in the last 30 days (managers, auditors and admins).';

--
-- Name: COLUMN alerts.alert; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.alerts.alert IS 'Alert name (docs/operations.md has a section for each).';

--
-- Name: COLUMN alerts.subject; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.alerts.subject IS 'What it is about: a job, a job kind, a connector, an organisation, or empty.';

--
-- Name: COLUMN alerts.severity; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.alerts.severity IS 'warning or critical.';

--
-- Name: COLUMN alerts.value; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.alerts.value IS 'The measured value at the last evaluation while firing.';

--
-- Name: COLUMN alerts.threshold; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.alerts.threshold IS 'The threshold (from the alert.* settings).';

--
-- Name: COLUMN alerts.fired_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.alerts.fired_at IS 'When this firing began.';

--
-- Name: COLUMN alerts.evaluated_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.alerts.evaluated_at IS 'Last evaluation that found it firing.';

--
-- Name: COLUMN alerts.resolved_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.alerts.resolved_at IS 'When it cleared; null while it fires.';

--
-- Name: credit_limit_requests; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.credit_limit_requests (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    check_id uuid NOT NULL,
    company_id text NOT NULL,
    amount_eur numeric(14,2) NOT NULL,
    state text DEFAULT 'REQUESTED'::text NOT NULL,
    allianz_job_id text,
    submission_started_at timestamp with time zone,
    polls integer DEFAULT 0 NOT NULL,
    agreed_eur numeric(14,2),
    decision text,
    last_error text,
    requested_by uuid,
    requested_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    decided_at timestamp with time zone,
    CONSTRAINT credit_limit_requests_amount_range CHECK (((amount_eur > (0)::numeric) AND (amount_eur <= (100000000)::numeric))),
    CONSTRAINT credit_limit_requests_company_id_format CHECK ((company_id ~ '^[A-Za-z0-9_-]{1,40}$'::text)),
    CONSTRAINT credit_limit_requests_decided CHECK (((state = ANY (ARRAY['AGREED'::text, 'PARTIAL'::text, 'REFUSED'::text, 'FAILED'::text])) = (decided_at IS NOT NULL))),
    CONSTRAINT credit_limit_requests_decision_length CHECK ((char_length(decision) <= 100)),
    CONSTRAINT credit_limit_requests_job_format CHECK ((allianz_job_id ~ '^[A-Za-z0-9_-]{1,100}$'::text)),
    CONSTRAINT credit_limit_requests_last_error_length CHECK ((char_length(last_error) <= 2000)),
    CONSTRAINT credit_limit_requests_state_known CHECK ((state = ANY (ARRAY['REQUESTED'::text, 'PENDING'::text, 'AGREED'::text, 'PARTIAL'::text, 'REFUSED'::text, 'FAILED'::text])))
);

--
-- Name: TABLE credit_limit_requests; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.credit_limit_requests IS 'Credit limit requests at Allianz Trade (POST /api/credit-checks/{id}/limit-request), polled by job allianz.limit.';

--
-- Name: COLUMN credit_limit_requests.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_limit_requests.id IS 'Request id.';

--
-- Name: COLUMN credit_limit_requests.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_limit_requests.tenant_id IS 'Tenant.';

--
-- Name: COLUMN credit_limit_requests.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_limit_requests.lead_id IS 'Lead.';

--
-- Name: COLUMN credit_limit_requests.check_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_limit_requests.check_id IS 'The credit check it follows.';

--
-- Name: COLUMN credit_limit_requests.company_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_limit_requests.company_id IS 'Allianz Trade''s companyId.';

--
-- Name: COLUMN credit_limit_requests.amount_eur; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_limit_requests.amount_eur IS 'Requested limit in EUR.';

--
-- Name: COLUMN credit_limit_requests.state; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_limit_requests.state IS 'REQUESTED (queued), PENDING (Allianz Trade decides), AGREED, PARTIAL, REFUSED or FAILED.';

--
-- Name: COLUMN credit_limit_requests.allianz_job_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_limit_requests.allianz_job_id IS 'Allianz Trade''s job id of the request.';

--
-- Name: COLUMN credit_limit_requests.submission_started_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_limit_requests.submission_started_at IS 'When the worker first sent it: a request whose answer was lost is not sent twice (FAILED, for a human).';

--
-- Name: COLUMN credit_limit_requests.polls; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_limit_requests.polls IS 'How often the job was polled.';

--
-- Name: COLUMN credit_limit_requests.agreed_eur; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_limit_requests.agreed_eur IS 'Agreed limit in EUR (0 when refused).';

--
-- Name: COLUMN credit_limit_requests.decision; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_limit_requests.decision IS 'Allianz Trade''s decision code (e.g. Agreed).';

--
-- Name: COLUMN credit_limit_requests.last_error; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_limit_requests.last_error IS 'Why it FAILED, or the last temporary error.';

--
-- Name: COLUMN credit_limit_requests.requested_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_limit_requests.requested_by IS 'Who asked (and is notified of the decision).';

--
-- Name: COLUMN credit_limit_requests.requested_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_limit_requests.requested_at IS 'When.';

--
-- Name: COLUMN credit_limit_requests.decided_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.credit_limit_requests.decided_at IS 'When the decision (or the failure) came.';

--
-- Name: credit_checks; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.credit_checks WITH (security_invoker='true') AS
 SELECT c.id,
    c.lead_id,
    c.company_id,
    c.company_name,
    c.status,
    c.grade,
    c.checked_at,
    c.valid_until,
    c.requested_by,
    c.reused_from,
    r.id AS limit_request_id,
    r.amount_eur AS limit_amount_eur,
    r.state AS limit_state,
    r.agreed_eur AS limit_agreed_eur,
    r.decided_at AS limit_decided_at
   FROM (app.credit_checks c
     LEFT JOIN LATERAL ( SELECT lr.id,
            lr.tenant_id,
            lr.lead_id,
            lr.check_id,
            lr.company_id,
            lr.amount_eur,
            lr.state,
            lr.allianz_job_id,
            lr.submission_started_at,
            lr.polls,
            lr.agreed_eur,
            lr.decision,
            lr.last_error,
            lr.requested_by,
            lr.requested_at,
            lr.decided_at
           FROM app.credit_limit_requests lr
          WHERE (lr.check_id = c.id)
          ORDER BY lr.requested_at DESC
         LIMIT 1) r ON (true));

--
-- Name: VIEW credit_checks; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.credit_checks IS 'Credit checks of the leads the caller may read, with the latest limit request of each and its decision.';

--
-- Name: COLUMN credit_checks.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.credit_checks.id IS 'Check id.';

--
-- Name: COLUMN credit_checks.lead_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.credit_checks.lead_id IS 'Lead.';

--
-- Name: COLUMN credit_checks.company_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.credit_checks.company_id IS 'Allianz Trade''s companyId.';

--
-- Name: COLUMN credit_checks.company_name; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.credit_checks.company_name IS 'The company as Allianz Trade names it.';

--
-- Name: COLUMN credit_checks.status; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.credit_checks.status IS 'GRADED, PENDING (Allianz Trade still grading) or FAILED.';

--
-- Name: COLUMN credit_checks.grade; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.credit_checks.grade IS 'Allianz Trade''s grade.';

--
-- Name: COLUMN credit_checks.checked_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.credit_checks.checked_at IS 'When Allianz Trade answered.';

--
-- Name: COLUMN credit_checks.valid_until; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.credit_checks.valid_until IS 'Until when the grade holds, if Allianz Trade says.';

--
-- Name: COLUMN credit_checks.requested_by; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.credit_checks.requested_by IS 'Who asked.';

--
-- Name: COLUMN credit_checks.reused_from; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.credit_checks.reused_from IS 'The check of another lead of the same company it reuses.';

--
-- Name: COLUMN credit_checks.limit_request_id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.credit_checks.limit_request_id IS 'The latest credit limit request on it.';

--
-- Name: COLUMN credit_checks.limit_amount_eur; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.credit_checks.limit_amount_eur IS 'Its requested amount in EUR.';

--
-- Name: COLUMN credit_checks.limit_state; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.credit_checks.limit_state IS 'REQUESTED, PENDING, AGREED, PARTIAL, REFUSED or FAILED.';

--
-- Name: COLUMN credit_checks.limit_agreed_eur; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.credit_checks.limit_agreed_eur IS 'The agreed limit in EUR.';

--
-- Name: COLUMN credit_checks.limit_decided_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.credit_checks.limit_decided_at IS 'When Allianz Trade decided.';

--
-- Name: connector_states; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.connector_states (
    tenant_id uuid NOT NULL,
    connector text NOT NULL,
    last_success_at timestamp with time zone,
    last_error_at timestamp with time zone,
    last_error text,
    last_result jsonb,
    synced_since timestamp with time zone,
    last_full_sync_at timestamp with time zone,
    down_since timestamp with time zone,
    CONSTRAINT connector_states_last_error_length CHECK ((char_length(last_error) <= 2000)),
    CONSTRAINT connector_states_last_result_object CHECK ((jsonb_typeof(last_result) = 'object'::text))
);

--
-- Name: TABLE connector_states; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.connector_states IS 'Per tenant and connector: the last success and error, and sync watermarks.';

--
-- Name: COLUMN connector_states.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connector_states.tenant_id IS 'Tenant.';

--
-- Name: COLUMN connector_states.connector; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connector_states.connector IS 'Connector.';

--
-- Name: COLUMN connector_states.last_success_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connector_states.last_success_at IS 'End of the last successful call or sync.';

--
-- Name: COLUMN connector_states.last_error_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connector_states.last_error_at IS 'When the last error happened.';

--
-- Name: COLUMN connector_states.last_error; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connector_states.last_error IS 'The last error (no secrets: the workers write their own messages).';

--
-- Name: COLUMN connector_states.last_result; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connector_states.last_result IS 'Counts of the last successful sync.';

--
-- Name: COLUMN connector_states.synced_since; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connector_states.synced_since IS 'Start of the last successful product sync: the next incremental sync asks for changes after it.';

--
-- Name: COLUMN connector_states.last_full_sync_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connector_states.last_full_sync_at IS 'Start of the last successful full product pull (the daily one that catches deletions).';

--
-- Name: COLUMN connector_states.down_since; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connector_states.down_since IS 'First failure after the last success while the connector is down; null while it works (kept by a trigger).';

--
-- Name: connectors; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.connectors (
    connector text NOT NULL,
    description text NOT NULL,
    configured boolean DEFAULT false NOT NULL,
    reported_at timestamp with time zone,
    CONSTRAINT connectors_description_length CHECK (((char_length(description) >= 1) AND (char_length(description) <= 300))),
    CONSTRAINT connectors_name_format CHECK ((connector ~ '^[a-z][a-z_]{1,30}$'::text))
);

--
-- Name: TABLE connectors; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.connectors IS 'The external systems the workers talk to; configured is what the last starting worker reported.';

--
-- Name: COLUMN connectors.connector; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connectors.connector IS 'Name (xentral, ...); job kinds of it are <connector>.<action>.';

--
-- Name: COLUMN connectors.description; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connectors.description IS 'What the connector is for.';

--
-- Name: COLUMN connectors.configured; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connectors.configured IS 'Whether the last worker that started had its credentials.';

--
-- Name: COLUMN connectors.reported_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connectors.reported_at IS 'When a worker last reported it.';

--
-- Name: integration_status; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.integration_status WITH (security_invoker='true') AS
 WITH tenant AS (
         SELECT app.current_tenant_id() AS tenant_id
        )
 SELECT c.connector,
    c.configured,
    app.connector_state(c.configured, s.last_success_at, s.last_error_at, app.connector_troubled(c.connector, t.tenant_id, s.last_success_at)) AS state,
    s.last_success_at,
    s.last_error_at,
    s.last_error,
    ( SELECT (count(*))::integer AS count
           FROM app.jobs j
          WHERE ((j.tenant_id = t.tenant_id) AND (split_part(j.kind, '.'::text, 1) = c.connector) AND (j.state = ANY (ARRAY['PENDING'::text, 'RUNNING'::text])))) AS backlog
   FROM ((app.connectors c
     CROSS JOIN tenant t)
     LEFT JOIN app.connector_states s ON (((c.connector = s.connector) AND (t.tenant_id = s.tenant_id))));

--
-- Name: VIEW integration_status; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.integration_status IS 'Each connector for the tenant (admins): configured, state ok|degraded|down|unconfigured, last success and error, and jobs waiting.';

--
-- Name: COLUMN integration_status.connector; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.integration_status.connector IS 'Connector.';

--
-- Name: COLUMN integration_status.configured; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.integration_status.configured IS 'Whether the workers have its credentials.';

--
-- Name: COLUMN integration_status.state; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.integration_status.state IS 'ok, degraded (retrying or parked jobs), down (the last call failed) or unconfigured.';

--
-- Name: COLUMN integration_status.last_success_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.integration_status.last_success_at IS 'Last success.';

--
-- Name: COLUMN integration_status.last_error_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.integration_status.last_error_at IS 'Last error.';

--
-- Name: COLUMN integration_status.last_error; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.integration_status.last_error IS 'Last error message.';

--
-- Name: COLUMN integration_status.backlog; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.integration_status.backlog IS 'Jobs of the connector waiting or running.';

--
-- Name: kpi_daily; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.kpi_daily WITH (security_invoker='true') AS
 SELECT k.day,
    k.leads_active,
    k.leads_grace,
    k.leads_expired,
    k.leads_unassigned,
    k.registrations,
    k.expiries,
    k.releases,
    k.holds_by_reason,
    k.feedback_links_sent,
    k.feedback_answered,
    k.ai_calls_small,
    k.ai_calls_large,
    k.ai_cache_hits,
    k.ai_cost_eur,
    k.credit_calls,
    k.credit_p50_ms,
    k.credit_p95_ms,
    k.job_backlog,
    k.computed_at,
    k.final,
    k.transfers
   FROM app.kpi_daily k;

--
-- Name: VIEW kpi_daily; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.kpi_daily IS 'The tenant''s KPIs per day (managers, auditors, admins): lead counts by status, the day''s registrations, expiries, feedback, AI use and credit-check latency; today''s row is at most 10 minutes old.';

--
-- Name: COLUMN kpi_daily.day; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.day IS 'The day, in the tenant''s time zone.';

--
-- Name: COLUMN kpi_daily.leads_active; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.leads_active IS 'Leads ACTIVE at the day''s last snapshot (null: none was taken).';

--
-- Name: COLUMN kpi_daily.leads_grace; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.leads_grace IS 'Leads in GRACE at the day''s last snapshot.';

--
-- Name: COLUMN kpi_daily.leads_expired; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.leads_expired IS 'Leads EXPIRED at the day''s last snapshot (released to the pool, or past their grace and about to be).';

--
-- Name: COLUMN kpi_daily.leads_unassigned; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.leads_unassigned IS 'Leads UNASSIGNED at the day''s last snapshot.';

--
-- Name: COLUMN kpi_daily.registrations; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.registrations IS 'Protection cycles opened by a registration or claim.';

--
-- Name: COLUMN kpi_daily.expiries; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.expiries IS 'Protection cycles whose protection ended by expiry.';

--
-- Name: COLUMN kpi_daily.releases; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.releases IS 'Leads released to the pool (their cycle closed by expiry).';

--
-- Name: COLUMN kpi_daily.holds_by_reason; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.holds_by_reason IS 'Approved holds running, by reason.';

--
-- Name: COLUMN kpi_daily.feedback_links_sent; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.feedback_links_sent IS 'Feedback links created.';

--
-- Name: COLUMN kpi_daily.feedback_answered; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.feedback_answered IS 'Feedback submissions received.';

--
-- Name: COLUMN kpi_daily.ai_calls_small; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.ai_calls_small IS 'AI calls answered by a small model (not from the cache).';

--
-- Name: COLUMN kpi_daily.ai_calls_large; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.ai_calls_large IS 'AI calls answered by a large model (not from the cache).';

--
-- Name: COLUMN kpi_daily.ai_cache_hits; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.ai_cache_hits IS 'AI calls answered from the cache.';

--
-- Name: COLUMN kpi_daily.ai_cost_eur; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.ai_cost_eur IS 'EUR charged for AI calls.';

--
-- Name: COLUMN kpi_daily.credit_calls; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.credit_calls IS 'Calls to Allianz Trade.';

--
-- Name: COLUMN kpi_daily.credit_p50_ms; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.credit_p50_ms IS 'Their median duration (ms).';

--
-- Name: COLUMN kpi_daily.credit_p95_ms; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.credit_p95_ms IS 'Their 95th percentile duration (ms).';

--
-- Name: COLUMN kpi_daily.job_backlog; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.job_backlog IS 'Jobs waiting or running at the snapshot, by kind.';

--
-- Name: COLUMN kpi_daily.computed_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.computed_at IS 'When the row was computed.';

--
-- Name: COLUMN kpi_daily.final; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.final IS 'Whether the day is over and counted in full.';

--
-- Name: COLUMN kpi_daily.transfers; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.kpi_daily.transfers IS 'Protection cycles closed by a transfer to another rep.';

--
-- Name: lead_pool; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.lead_pool WITH (security_invoker='true') AS
 SELECT o.id,
    o.company_name,
    o.postal_code,
    o.city,
    o.status,
    o.released_at
   FROM app.lead_overview o
  WHERE (o.status = ANY (ARRAY['UNASSIGNED'::text, 'EXPIRED'::text]));

--
-- Name: VIEW lead_pool; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.lead_pool IS 'Leads anyone in the tenant may claim: never owned, released, or expired and not yet released.';

--
-- Name: COLUMN lead_pool.id; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_pool.id IS 'Lead id (for claim_lead).';

--
-- Name: COLUMN lead_pool.company_name; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_pool.company_name IS 'Company name.';

--
-- Name: COLUMN lead_pool.postal_code; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_pool.postal_code IS 'Postal code.';

--
-- Name: COLUMN lead_pool.city; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_pool.city IS 'City.';

--
-- Name: COLUMN lead_pool.status; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_pool.status IS 'UNASSIGNED or EXPIRED.';

--
-- Name: COLUMN lead_pool.released_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.lead_pool.released_at IS 'When it was last released (null if never owned or not yet released).';

--
-- Name: products; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.products WITH (security_invoker='true') AS
 SELECT p.sku,
    p.name,
    p.unit,
    p.active,
    p.net_price,
    p.currency,
    p.synced_at
   FROM app.products p;

--
-- Name: VIEW products; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.products IS 'The product catalogue of the caller''s tenant (synced from Xentral where configured; inactive products stay).';

--
-- Name: COLUMN products.sku; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.products.sku IS 'Article number (Xentral number).';

--
-- Name: COLUMN products.name; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.products.name IS 'Name.';

--
-- Name: COLUMN products.unit; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.products.unit IS 'Sales unit.';

--
-- Name: COLUMN products.active; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.products.active IS 'Still sold (for a Xentral product: not disabled, deleted or gone there).';

--
-- Name: COLUMN products.net_price; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.products.net_price IS 'Net sales price from Xentral, if synced.';

--
-- Name: COLUMN products.currency; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.products.currency IS 'Currency of the price.';

--
-- Name: COLUMN products.synced_at; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.products.synced_at IS 'When the Xentral sync last changed it (null: not from Xentral).';

--
-- Name: settings_registry; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.settings_registry (
    key text NOT NULL,
    allowed_scopes text[] NOT NULL,
    default_value jsonb NOT NULL,
    json_schema jsonb NOT NULL,
    merge_strategy text DEFAULT 'replace'::text NOT NULL,
    description text NOT NULL,
    CONSTRAINT settings_registry_description_length CHECK (((char_length(description) >= 1) AND (char_length(description) <= 500))),
    CONSTRAINT settings_registry_key_format CHECK ((key ~ '^[a-z]+(\.[a-zA-Z]+)+$'::text)),
    CONSTRAINT settings_registry_merge_known CHECK ((merge_strategy = ANY (ARRAY['replace'::text, 'merge'::text, 'append'::text]))),
    CONSTRAINT settings_registry_scopes_known CHECK (((allowed_scopes <@ ARRAY['global'::text, 'tenant'::text, 'org'::text, 'user'::text]) AND (cardinality(allowed_scopes) > 0)))
);

--
-- Name: TABLE settings_registry; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.settings_registry IS 'Every setting the system knows: who may set it where, its default and the rule for its value.';

--
-- Name: COLUMN settings_registry.key; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.settings_registry.key IS 'Setting key, e.g. lead.protection.progressDays.';

--
-- Name: COLUMN settings_registry.allowed_scopes; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.settings_registry.allowed_scopes IS 'Scopes a value may be stored at (global, tenant, org, user).';

--
-- Name: COLUMN settings_registry.default_value; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.settings_registry.default_value IS 'Value when no scope sets one.';

--
-- Name: COLUMN settings_registry.json_schema; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.settings_registry.json_schema IS 'JSON Schema (the subset app.json_schema_error understands) every stored value must satisfy.';

--
-- Name: COLUMN settings_registry.merge_strategy; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.settings_registry.merge_strategy IS 'replace: the most specific value wins; merge: objects are merged, specific keys win; append: arrays of narrower scopes are added to the broader value.';

--
-- Name: COLUMN settings_registry.description; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.settings_registry.description IS 'What the setting does.';

--
-- Name: settings_effective; Type: VIEW; Schema: api; Owner: -
--

CREATE VIEW api.settings_effective WITH (security_invoker='true') AS
 SELECT r.key,
    app.effective_setting(r.key, ( SELECT app.current_tenant_id() AS current_tenant_id), ( SELECT app.current_org_id() AS current_org_id), ( SELECT app.current_user_id() AS current_user_id)) AS value,
    r.default_value,
    r.allowed_scopes,
    r.description
   FROM app.settings_registry r
  WHERE (( SELECT app.current_tenant_id() AS current_tenant_id) IS NOT NULL);

--
-- Name: VIEW settings_effective; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON VIEW api.settings_effective IS 'Every setting''s effective value for the caller (user > org > tenant > global > default).';

--
-- Name: COLUMN settings_effective.key; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.settings_effective.key IS 'Setting key.';

--
-- Name: COLUMN settings_effective.value; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.settings_effective.value IS 'Effective value.';

--
-- Name: COLUMN settings_effective.default_value; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.settings_effective.default_value IS 'Value when no scope sets one.';

--
-- Name: COLUMN settings_effective.allowed_scopes; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.settings_effective.allowed_scopes IS 'Scopes an admin may set.';

--
-- Name: COLUMN settings_effective.description; Type: COMMENT; Schema: api; Owner: -
--

COMMENT ON COLUMN api.settings_effective.description IS 'What it does.';

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
-- Name: ai_cache; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.ai_cache (
    tenant_id uuid NOT NULL,
    cache_key bytea NOT NULL,
    use_case text NOT NULL,
    result jsonb NOT NULL,
    confidence numeric(5,4),
    provider text NOT NULL,
    model text NOT NULL,
    tier text NOT NULL,
    created_at timestamp with time zone DEFAULT app.now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT ai_cache_confidence_range CHECK (((confidence >= (0)::numeric) AND (confidence <= (1)::numeric))),
    CONSTRAINT ai_cache_key_length CHECK ((octet_length(cache_key) = 32)),
    CONSTRAINT ai_cache_tier_known CHECK ((tier = ANY (ARRAY['small'::text, 'large'::text]))),
    CONSTRAINT ai_cache_use_case_cacheable CHECK ((use_case = ANY (ARRAY['lead_classify'::text, 'email_categorize'::text, 'contact_role_detect'::text])))
);

--
-- Name: TABLE ai_cache; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.ai_cache IS 'Complete, valid answers of lead_classify, email_categorize and contact_role_detect, by the SHA-256 of the masked request, per tenant (SPEC 7.4).';

--
-- Name: COLUMN ai_cache.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_cache.tenant_id IS 'Tenant; tenants never share an entry.';

--
-- Name: COLUMN ai_cache.cache_key; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_cache.cache_key IS 'SHA-256 of use case, prompt version, provider, model and the masked input.';

--
-- Name: COLUMN ai_cache.use_case; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_cache.use_case IS 'Use case.';

--
-- Name: COLUMN ai_cache.result; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_cache.result IS 'The answer''s result object.';

--
-- Name: COLUMN ai_cache.confidence; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_cache.confidence IS 'Its calibrated confidence (small answers).';

--
-- Name: COLUMN ai_cache.provider; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_cache.provider IS 'Provider that answered.';

--
-- Name: COLUMN ai_cache.model; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_cache.model IS 'Model that answered.';

--
-- Name: COLUMN ai_cache.tier; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_cache.tier IS 'Tier that answered.';

--
-- Name: COLUMN ai_cache.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_cache.created_at IS 'When it was stored.';

--
-- Name: COLUMN ai_cache.expires_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_cache.expires_at IS 'When it stops being served (ai.cache.ttl after created_at).';

--
-- Name: ai_calibrations; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.ai_calibrations (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    use_case text NOT NULL,
    provider text NOT NULL,
    model text NOT NULL,
    prompt_version text NOT NULL,
    created_at timestamp with time zone DEFAULT app.now() NOT NULL,
    map jsonb NOT NULL,
    report jsonb NOT NULL,
    CONSTRAINT ai_calibrations_map_shape CHECK (((jsonb_typeof((map -> 'x'::text)) = 'array'::text) AND (jsonb_typeof((map -> 'y'::text)) = 'array'::text) AND (jsonb_array_length((map -> 'x'::text)) = jsonb_array_length((map -> 'y'::text))) AND (jsonb_array_length((map -> 'x'::text)) > 0))),
    CONSTRAINT ai_calibrations_provider_known CHECK ((provider = ANY (ARRAY['openai'::text, 'anthropic'::text]))),
    CONSTRAINT ai_calibrations_report_object CHECK ((jsonb_typeof(report) = 'object'::text)),
    CONSTRAINT ai_calibrations_use_case_small_first CHECK ((use_case = ANY (ARRAY['lead_classify'::text, 'email_categorize'::text, 'contact_role_detect'::text, 'help_draft'::text])))
);

--
-- Name: TABLE ai_calibrations; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.ai_calibrations IS 'Isotonic maps from a small model''s raw confidence to the probability that its answer is right, fitted by freshplan ai calibrate; the router uses the newest per use case, provider, model and prompt version.';

--
-- Name: COLUMN ai_calibrations.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calibrations.id IS 'Calibration id.';

--
-- Name: COLUMN ai_calibrations.use_case; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calibrations.use_case IS 'Use case.';

--
-- Name: COLUMN ai_calibrations.provider; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calibrations.provider IS 'Provider of the small model.';

--
-- Name: COLUMN ai_calibrations.model; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calibrations.model IS 'Small model id.';

--
-- Name: COLUMN ai_calibrations.prompt_version; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calibrations.prompt_version IS 'Prompt version the map was fitted with.';

--
-- Name: COLUMN ai_calibrations.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calibrations.created_at IS 'When it was fitted.';

--
-- Name: COLUMN ai_calibrations.map; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calibrations.map IS 'Breakpoints {"x": [raw], "y": [probability]} of the non-decreasing map.';

--
-- Name: COLUMN ai_calibrations.report; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_calibrations.report IS 'Items, accuracies, escalation rate, cascade accuracy and calibration error.';

--
-- Name: ai_model_prices; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.ai_model_prices (
    provider text NOT NULL,
    model text NOT NULL,
    valid_from date NOT NULL,
    usd_input_per_mtok numeric(12,6) NOT NULL,
    usd_cached_input_per_mtok numeric(12,6) NOT NULL,
    usd_cache_write_per_mtok numeric(12,6) NOT NULL,
    usd_output_per_mtok numeric(12,6) NOT NULL,
    source text NOT NULL,
    CONSTRAINT ai_model_prices_model_format CHECK ((model ~ '^[a-z0-9][a-z0-9._-]{0,99}$'::text)),
    CONSTRAINT ai_model_prices_not_negative CHECK (((usd_input_per_mtok >= (0)::numeric) AND (usd_cached_input_per_mtok >= (0)::numeric) AND (usd_cache_write_per_mtok >= (0)::numeric) AND (usd_output_per_mtok >= (0)::numeric))),
    CONSTRAINT ai_model_prices_provider_known CHECK ((provider = ANY (ARRAY['openai'::text, 'anthropic'::text]))),
    CONSTRAINT ai_model_prices_source_length CHECK (((char_length(source) >= 1) AND (char_length(source) <= 500)))
);

--
-- Name: TABLE ai_model_prices; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.ai_model_prices IS 'List prices of the AI models in USD per million tokens, effective from a day (SPEC 7.4).';

--
-- Name: COLUMN ai_model_prices.provider; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_model_prices.provider IS 'openai or anthropic.';

--
-- Name: COLUMN ai_model_prices.model; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_model_prices.model IS 'Model id as the provider names it.';

--
-- Name: COLUMN ai_model_prices.valid_from; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_model_prices.valid_from IS 'First day (UTC) the price applies.';

--
-- Name: COLUMN ai_model_prices.usd_input_per_mtok; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_model_prices.usd_input_per_mtok IS 'USD per million uncached input tokens.';

--
-- Name: COLUMN ai_model_prices.usd_cached_input_per_mtok; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_model_prices.usd_cached_input_per_mtok IS 'USD per million input tokens read from the provider''s prompt cache.';

--
-- Name: COLUMN ai_model_prices.usd_cache_write_per_mtok; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_model_prices.usd_cache_write_per_mtok IS 'USD per million input tokens written to the provider''s prompt cache.';

--
-- Name: COLUMN ai_model_prices.usd_output_per_mtok; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_model_prices.usd_output_per_mtok IS 'USD per million output tokens (reasoning included).';

--
-- Name: COLUMN ai_model_prices.source; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.ai_model_prices.source IS 'Where the price was read, and when.';

--
-- Name: analysts; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.analysts (
    role_name text NOT NULL,
    tenant_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    CONSTRAINT analysts_role_name_format CHECK ((role_name ~ '^[a-z][a-z0-9_]{2,39}$'::text))
);

--
-- Name: TABLE analysts; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.analysts IS 'Analyst logins (database roles in reporting_reader) and the tenant each may read.';

--
-- Name: COLUMN analysts.role_name; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.analysts.role_name IS 'The login role.';

--
-- Name: COLUMN analysts.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.analysts.tenant_id IS 'The one tenant whose reporting rows it sees.';

--
-- Name: COLUMN analysts.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.analysts.created_at IS 'When it was created.';

--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: app; Owner: -
--

ALTER TABLE app.audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

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
-- Name: connector_calls; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.connector_calls (
    id bigint NOT NULL,
    tenant_id uuid,
    connector text NOT NULL,
    operation text NOT NULL,
    started_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    duration_ms numeric(12,3) NOT NULL,
    outcome text NOT NULL,
    CONSTRAINT connector_calls_duration_range CHECK ((duration_ms >= (0)::numeric)),
    CONSTRAINT connector_calls_operation_format CHECK ((operation ~ '^[a-z][a-z_.]{1,60}$'::text)),
    CONSTRAINT connector_calls_outcome_format CHECK ((outcome ~ '^[a-z0-9_]{1,30}$'::text))
);

--
-- Name: TABLE connector_calls; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.connector_calls IS 'The latency and outcome of every upstream call of a connector.';

--
-- Name: COLUMN connector_calls.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connector_calls.id IS 'Call id.';

--
-- Name: COLUMN connector_calls.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connector_calls.tenant_id IS 'Tenant the call was for.';

--
-- Name: COLUMN connector_calls.connector; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connector_calls.connector IS 'Connector.';

--
-- Name: COLUMN connector_calls.operation; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connector_calls.operation IS 'What was called (e.g. company_match, grade_request).';

--
-- Name: COLUMN connector_calls.started_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connector_calls.started_at IS 'When the call started.';

--
-- Name: COLUMN connector_calls.duration_ms; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connector_calls.duration_ms IS 'How long it took, in milliseconds.';

--
-- Name: COLUMN connector_calls.outcome; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.connector_calls.outcome IS 'ok, or the error class (unavailable, refused, ...).';

--
-- Name: connector_calls_id_seq; Type: SEQUENCE; Schema: app; Owner: -
--

ALTER TABLE app.connector_calls ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app.connector_calls_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: default_activity_kinds; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.default_activity_kinds (
    kind text NOT NULL,
    counts_as_progress boolean NOT NULL,
    description text NOT NULL
);

--
-- Name: TABLE default_activity_kinds; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.default_activity_kinds IS 'The kinds every new tenant starts with (SPEC 3.1).';

--
-- Name: COLUMN default_activity_kinds.kind; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.default_activity_kinds.kind IS 'Kind code.';

--
-- Name: COLUMN default_activity_kinds.counts_as_progress; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.default_activity_kinds.counts_as_progress IS 'Default progress flag.';

--
-- Name: COLUMN default_activity_kinds.description; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.default_activity_kinds.description IS 'What the kind means.';

--
-- Name: imap_mailboxes; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.imap_mailboxes (
    mailbox text NOT NULL,
    tenant_id uuid NOT NULL,
    uidvalidity bigint,
    last_uid bigint DEFAULT 0 NOT NULL,
    last_run_at timestamp with time zone,
    flagged_uid bigint DEFAULT 0 NOT NULL,
    CONSTRAINT imap_mailboxes_flagged_uid_range CHECK ((flagged_uid >= 0)),
    CONSTRAINT imap_mailboxes_last_uid_range CHECK ((last_uid >= 0)),
    CONSTRAINT imap_mailboxes_mailbox_length CHECK (((char_length(mailbox) >= 3) AND (char_length(mailbox) <= 500)))
);

--
-- Name: TABLE imap_mailboxes; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.imap_mailboxes IS 'The IMAP mailboxes the worker reads (FRESHPLAN_IMAP_URL): whose they are and how far it got.';

--
-- Name: COLUMN imap_mailboxes.mailbox; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.imap_mailboxes.mailbox IS 'user@host:port/folder (no password).';

--
-- Name: COLUMN imap_mailboxes.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.imap_mailboxes.tenant_id IS 'The tenant whose leads its mails are matched to (FRESHPLAN_IMAP_TENANT).';

--
-- Name: COLUMN imap_mailboxes.uidvalidity; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.imap_mailboxes.uidvalidity IS 'The folder''s UIDVALIDITY when last read: another one renumbers every UID.';

--
-- Name: COLUMN imap_mailboxes.last_uid; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.imap_mailboxes.last_uid IS 'The highest UID stored: the next run asks for the ones above it.';

--
-- Name: COLUMN imap_mailboxes.last_run_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.imap_mailboxes.last_run_at IS 'When a run last finished.';

--
-- Name: COLUMN imap_mailboxes.flagged_uid; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.imap_mailboxes.flagged_uid IS 'The highest UID flagged \Seen: later runs flag only the stored ones above it, never one a person marked unread again.';

--
-- Name: job_heartbeats; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.job_heartbeats (
    job_name text NOT NULL,
    schedule text NOT NULL,
    description text NOT NULL,
    created_at timestamp with time zone DEFAULT app.now() NOT NULL,
    last_started_at timestamp with time zone,
    last_succeeded_at timestamp with time zone,
    last_failed_at timestamp with time zone,
    last_error text,
    last_result jsonb,
    CONSTRAINT job_heartbeats_last_error_length CHECK ((char_length(last_error) <= 2000)),
    CONSTRAINT job_heartbeats_name_format CHECK ((job_name ~ '^[a-z_]{1,40}$'::text))
);

--
-- Name: TABLE job_heartbeats; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.job_heartbeats IS 'One row per scheduled job: when it last ran, succeeded or failed, and what it did.';

--
-- Name: COLUMN job_heartbeats.job_name; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.job_heartbeats.job_name IS 'Job (argument of app_private.run_job; pg_cron job freshplan-<name>).';

--
-- Name: COLUMN job_heartbeats.schedule; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.job_heartbeats.schedule IS 'pg_cron schedule (UTC).';

--
-- Name: COLUMN job_heartbeats.description; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.job_heartbeats.description IS 'What the job does.';

--
-- Name: COLUMN job_heartbeats.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.job_heartbeats.created_at IS 'When the job was installed.';

--
-- Name: COLUMN job_heartbeats.last_started_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.job_heartbeats.last_started_at IS 'Start of the last run.';

--
-- Name: COLUMN job_heartbeats.last_succeeded_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.job_heartbeats.last_succeeded_at IS 'End of the last successful run.';

--
-- Name: COLUMN job_heartbeats.last_failed_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.job_heartbeats.last_failed_at IS 'End of the last failed run.';

--
-- Name: COLUMN job_heartbeats.last_error; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.job_heartbeats.last_error IS 'Error of the last failed run.';

--
-- Name: COLUMN job_heartbeats.last_result; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.job_heartbeats.last_result IS 'Counts of the last successful run.';

--
-- Name: job_kinds; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.job_kinds (
    kind text NOT NULL,
    description text NOT NULL,
    idempotent boolean NOT NULL,
    max_attempts integer NOT NULL,
    retry_base_seconds numeric NOT NULL,
    retry_max_seconds numeric NOT NULL,
    CONSTRAINT job_kinds_description_length CHECK (((char_length(description) >= 1) AND (char_length(description) <= 300))),
    CONSTRAINT job_kinds_kind_format CHECK ((kind ~ '^[a-z][a-z_]{1,30}(\.[a-z][a-z_]{1,30})?$'::text)),
    CONSTRAINT job_kinds_max_attempts_range CHECK (((max_attempts >= 1) AND (max_attempts <= 100))),
    CONSTRAINT job_kinds_retry_range CHECK (((retry_base_seconds > (0)::numeric) AND (retry_max_seconds >= retry_base_seconds)))
);

--
-- Name: TABLE job_kinds; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.job_kinds IS 'The kinds of job the queue knows, one handler each in jobs/. Adding a kind is a row here and a handler.';

--
-- Name: COLUMN job_kinds.kind; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.job_kinds.kind IS 'Name, <system>.<action> (mail.send, xentral.order, ...).';

--
-- Name: COLUMN job_kinds.description; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.job_kinds.description IS 'What a job of this kind does.';

--
-- Name: COLUMN job_kinds.idempotent; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.job_kinds.idempotent IS 'Whether running a job twice is harmless. Only idempotent jobs are retried after a worker stopped in the middle of one; any other such job is parked for an admin to check and re-queue.';

--
-- Name: COLUMN job_kinds.max_attempts; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.job_kinds.max_attempts IS 'Attempts before a job is parked.';

--
-- Name: COLUMN job_kinds.retry_base_seconds; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.job_kinds.retry_base_seconds IS 'Backoff after the first failure; doubles per attempt.';

--
-- Name: COLUMN job_kinds.retry_max_seconds; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.job_kinds.retry_max_seconds IS 'Longest backoff.';

--
-- Name: jobs_id_seq; Type: SEQUENCE; Schema: app; Owner: -
--

ALTER TABLE app.jobs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app.jobs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: protection_overrides; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.protection_overrides (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    assignment_id uuid NOT NULL,
    until timestamp with time zone NOT NULL,
    reason text NOT NULL,
    created_by uuid,
    created_at timestamp with time zone DEFAULT app.now() NOT NULL,
    CONSTRAINT protection_overrides_reason_length CHECK (((char_length(btrim(reason)) >= 10) AND (char_length(btrim(reason)) <= 2000)))
);

--
-- Name: TABLE protection_overrides; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.protection_overrides IS 'Manager overrides: the lead stays ACTIVE until `until`, whatever its progress. The latest of a cycle applies.';

--
-- Name: COLUMN protection_overrides.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_overrides.id IS 'Override id.';

--
-- Name: COLUMN protection_overrides.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_overrides.tenant_id IS 'Tenant.';

--
-- Name: COLUMN protection_overrides.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_overrides.lead_id IS 'Lead.';

--
-- Name: COLUMN protection_overrides.assignment_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_overrides.assignment_id IS 'Protection cycle it applies to.';

--
-- Name: COLUMN protection_overrides.until; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_overrides.until IS 'Protected at least until then.';

--
-- Name: COLUMN protection_overrides.reason; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_overrides.reason IS 'Why (at least 10 characters).';

--
-- Name: COLUMN protection_overrides.created_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_overrides.created_by IS 'Manager.';

--
-- Name: COLUMN protection_overrides.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_overrides.created_at IS 'When.';

--
-- Name: lead_state_source; Type: VIEW; Schema: app; Owner: -
--

CREATE VIEW app.lead_state_source WITH (security_invoker='true') AS
 SELECT l.id AS lead_id,
    l.tenant_id,
    a.id AS assignment_id,
    a.owner_id,
    a.registered_at,
    anchor.anchor_at,
    COALESCE(closed.held_since_anchor, '00:00:00'::interval) AS held_since_anchor,
    COALESCE(closed.held_since_registration, '00:00:00'::interval) AS held_since_registration,
    latest.start_at AS hold_start,
    latest.end_at AS hold_end,
    latest.reason AS hold_reason,
    COALESCE(ext.days, 0) AS extension_days,
    ovr.until AS override_until
   FROM (((((((app.leads l
     LEFT JOIN app.lead_assignments a ON (((l.id = a.lead_id) AND (a.closed_at IS NULL))))
     LEFT JOIN app.protection_configs c ON ((l.tenant_id = c.tenant_id)))
     LEFT JOIN LATERAL ( SELECT COALESCE(max(ac.occurred_at), a.registered_at) AS anchor_at
           FROM (app.activities ac
             JOIN app.activity_kinds k ON (((ac.tenant_id = k.tenant_id) AND (ac.kind = k.kind))))
          WHERE ((ac.lead_id = l.id) AND k.counts_as_progress AND (ac.occurred_at >= a.registered_at))) anchor ON ((a.id IS NOT NULL)))
     LEFT JOIN LATERAL ( SELECT h.id,
            h.start_at,
            h.end_at,
            h.reason
           FROM app.holds h
          WHERE ((h.assignment_id = a.id) AND (h.state = 'APPROVED'::text))
          ORDER BY h.start_at DESC
         LIMIT 1) latest ON (true))
     LEFT JOIN LATERAL ( SELECT make_interval(secs => (sum(GREATEST((0)::numeric, EXTRACT(epoch FROM (e.stop - GREATEST(e.start_at, anchor.anchor_at))))))::double precision) AS held_since_anchor,
            make_interval(secs => (sum(GREATEST((0)::numeric, EXTRACT(epoch FROM (e.stop - GREATEST(e.start_at, a.registered_at))))))::double precision) AS held_since_registration
           FROM ( SELECT h.start_at,
                    LEAST(h.end_at, (h.start_at + make_interval(secs => ((86400 * COALESCE(((c.hold_max_days ->> h.reason))::integer, 0)))::double precision))) AS stop
                   FROM app.holds h
                  WHERE ((h.assignment_id = a.id) AND (h.state = 'APPROVED'::text) AND (h.id <> latest.id))) e) closed ON (true))
     LEFT JOIN LATERAL ( SELECT (sum(x.days))::integer AS days
           FROM app.extension_requests x
          WHERE ((x.assignment_id = a.id) AND (x.state = 'APPROVED'::text))) ext ON (true))
     LEFT JOIN LATERAL ( SELECT o.until
           FROM app.protection_overrides o
          WHERE (o.assignment_id = a.id)
          ORDER BY o.created_at DESC, o.id DESC
         LIMIT 1) ovr ON (true));

--
-- Name: VIEW lead_state_source; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON VIEW app.lead_state_source IS 'The protection state every lead should have, recomputed from its sources (for the refresh functions).';

--
-- Name: mailbox_quotas; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.mailbox_quotas (
    tenant_id uuid NOT NULL,
    mail_login text NOT NULL,
    used_mb bigint NOT NULL,
    quota_mb bigint,
    webspace_used_mb bigint,
    webspace_max_mb bigint,
    percent numeric,
    checked_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    warned_at timestamp with time zone,
    CONSTRAINT mailbox_quotas_login_length CHECK (((char_length(mail_login) >= 1) AND (char_length(mail_login) <= 254))),
    CONSTRAINT mailbox_quotas_percent_range CHECK ((percent >= (0)::numeric)),
    CONSTRAINT mailbox_quotas_quota_range CHECK ((quota_mb > 0)),
    CONSTRAINT mailbox_quotas_used_range CHECK ((used_mb >= 0)),
    CONSTRAINT mailbox_quotas_webspace_range CHECK (((webspace_used_mb >= 0) AND (webspace_max_mb > 0)))
);

--
-- Name: TABLE mailbox_quotas; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.mailbox_quotas IS 'The mailbox''s space as KAS reported it last (job kas.quota): above the warning level the mail connector is degraded and the tenant''s admins are told once.';

--
-- Name: COLUMN mailbox_quotas.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.mailbox_quotas.tenant_id IS 'Tenant (FRESHPLAN_IMAP_TENANT).';

--
-- Name: COLUMN mailbox_quotas.mail_login; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.mailbox_quotas.mail_login IS 'The KAS mail account (m0...) or the address it was found by.';

--
-- Name: COLUMN mailbox_quotas.used_mb; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.mailbox_quotas.used_mb IS 'Space used (used_mailaccount_space, MB).';

--
-- Name: COLUMN mailbox_quotas.quota_mb; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.mailbox_quotas.quota_mb IS 'The account''s quota (quota_rule, MB); null: no limit.';

--
-- Name: COLUMN mailbox_quotas.webspace_used_mb; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.mailbox_quotas.webspace_used_mb IS 'The KAS account''s web space used (MB), which mail shares.';

--
-- Name: COLUMN mailbox_quotas.webspace_max_mb; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.mailbox_quotas.webspace_max_mb IS 'Its limit (MB); null: unlimited.';

--
-- Name: COLUMN mailbox_quotas.percent; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.mailbox_quotas.percent IS 'The fuller of the two, in percent; null: no limit.';

--
-- Name: COLUMN mailbox_quotas.checked_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.mailbox_quotas.checked_at IS 'When KAS was read.';

--
-- Name: COLUMN mailbox_quotas.warned_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.mailbox_quotas.warned_at IS 'Since when it is above the warning level (the admins were told then); null: below.';

--
-- Name: protection_notices; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.protection_notices (
    id bigint NOT NULL,
    tenant_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    kind text NOT NULL,
    cycle_key text NOT NULL,
    facts jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT app.now() NOT NULL,
    delivered_at timestamp with time zone,
    CONSTRAINT protection_notices_cycle_key_length CHECK ((char_length(cycle_key) <= 200)),
    CONSTRAINT protection_notices_kind_known CHECK ((kind = ANY (ARRAY['WARNING'::text, 'REMINDER'::text, 'EXPIRED'::text, 'ESCALATION'::text])))
);

--
-- Name: TABLE protection_notices; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.protection_notices IS 'Every protection notice that was due, once per lead, kind and cycle (the cycle of a warning or reminder is its assignment and anchor); delivered_at is set when it has been fanned out to recipients.';

--
-- Name: COLUMN protection_notices.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_notices.id IS 'Notice id.';

--
-- Name: COLUMN protection_notices.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_notices.tenant_id IS 'Tenant.';

--
-- Name: COLUMN protection_notices.lead_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_notices.lead_id IS 'Lead.';

--
-- Name: COLUMN protection_notices.kind; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_notices.kind IS 'WARNING, REMINDER, EXPIRED or ESCALATION.';

--
-- Name: COLUMN protection_notices.cycle_key; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_notices.cycle_key IS 'Identifies the protection cycle (or request) it belongs to.';

--
-- Name: COLUMN protection_notices.facts; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_notices.facts IS 'What the templates need: company, owner, deadlines, tenant time zone.';

--
-- Name: COLUMN protection_notices.created_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_notices.created_at IS 'When it became due and was recorded.';

--
-- Name: COLUMN protection_notices.delivered_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.protection_notices.delivered_at IS 'When it was fanned out to recipients.';

--
-- Name: protection_notices_id_seq; Type: SEQUENCE; Schema: app; Owner: -
--

ALTER TABLE app.protection_notices ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app.protection_notices_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: settings_values; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.settings_values (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    key text NOT NULL,
    scope text NOT NULL,
    tenant_id uuid,
    target_id uuid,
    value jsonb NOT NULL,
    updated_by uuid,
    updated_at timestamp with time zone DEFAULT app.now() NOT NULL,
    CONSTRAINT settings_values_scope_known CHECK ((scope = ANY (ARRAY['global'::text, 'tenant'::text, 'org'::text, 'user'::text]))),
    CONSTRAINT settings_values_scope_target CHECK ((((scope = 'global'::text) AND (tenant_id IS NULL) AND (target_id IS NULL)) OR ((scope = 'tenant'::text) AND (tenant_id IS NOT NULL) AND (target_id = tenant_id)) OR ((scope = ANY (ARRAY['org'::text, 'user'::text])) AND (tenant_id IS NOT NULL) AND (target_id IS NOT NULL))))
);

--
-- Name: TABLE settings_values; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.settings_values IS 'Values set at a scope; the absence of a row means "inherit".';

--
-- Name: COLUMN settings_values.id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.settings_values.id IS 'Row id.';

--
-- Name: COLUMN settings_values.key; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.settings_values.key IS 'Setting key (app.settings_registry).';

--
-- Name: COLUMN settings_values.scope; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.settings_values.scope IS 'global, tenant, org or user.';

--
-- Name: COLUMN settings_values.tenant_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.settings_values.tenant_id IS 'Tenant of the value; null for global values.';

--
-- Name: COLUMN settings_values.target_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.settings_values.target_id IS 'The tenant, org or user id the value applies to; null for global.';

--
-- Name: COLUMN settings_values.value; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.settings_values.value IS 'The value (JSON), valid against the key''s schema.';

--
-- Name: COLUMN settings_values.updated_by; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.settings_values.updated_by IS 'Who set it last (null: operators, migrations).';

--
-- Name: COLUMN settings_values.updated_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.settings_values.updated_at IS 'When it was set last.';

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
-- Name: worker_heartbeats; Type: TABLE; Schema: app; Owner: -
--

CREATE TABLE app.worker_heartbeats (
    worker_id text NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    jobs_done bigint DEFAULT 0 NOT NULL,
    CONSTRAINT worker_heartbeats_id_length CHECK (((char_length(worker_id) >= 1) AND (char_length(worker_id) <= 200)))
);

--
-- Name: TABLE worker_heartbeats; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON TABLE app.worker_heartbeats IS 'Each running worker writes its heartbeat here every few seconds.';

--
-- Name: COLUMN worker_heartbeats.worker_id; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.worker_heartbeats.worker_id IS 'host:pid of the worker process.';

--
-- Name: COLUMN worker_heartbeats.started_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.worker_heartbeats.started_at IS 'When it started.';

--
-- Name: COLUMN worker_heartbeats.last_seen_at; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.worker_heartbeats.last_seen_at IS 'Its last heartbeat.';

--
-- Name: COLUMN worker_heartbeats.jobs_done; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON COLUMN app.worker_heartbeats.jobs_done IS 'Jobs it finished since it started.';

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
-- Name: ai_usage_daily; Type: VIEW; Schema: reporting; Owner: -
--

CREATE VIEW reporting.ai_usage_daily WITH (security_invoker='true') AS
 SELECT k.day,
    ((k.ai_calls_small + k.ai_calls_large) + k.ai_cache_hits) AS calls,
    k.ai_calls_small AS small,
    k.ai_calls_large AS large,
    round(((k.ai_calls_small)::numeric / (NULLIF(k.ai_calls_large, 0))::numeric), 4) AS small_large_ratio,
    k.ai_cost_eur AS cost_eur,
    k.ai_cache_hits AS cache_hits,
    round(((k.ai_cache_hits)::numeric / (NULLIF(((k.ai_calls_small + k.ai_calls_large) + k.ai_cache_hits), 0))::numeric), 4) AS cache_hit_rate
   FROM app_private.analyst_kpi_daily() k(tenant_id, day, leads_active, leads_grace, leads_expired, leads_unassigned, registrations, expiries, releases, holds_by_reason, feedback_links_sent, feedback_answered, ai_calls_small, ai_calls_large, ai_cache_hits, ai_cost_eur, credit_calls, credit_p50_ms, credit_p95_ms, job_backlog, computed_at, final, transfers);

--
-- Name: VIEW ai_usage_daily; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON VIEW reporting.ai_usage_daily IS 'AI router calls per day: by model tier, cost and cache hits.';

--
-- Name: COLUMN ai_usage_daily.day; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.ai_usage_daily.day IS 'The day (the tenant''s time zone).';

--
-- Name: COLUMN ai_usage_daily.calls; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.ai_usage_daily.calls IS 'Answered calls (small, large and from the cache).';

--
-- Name: COLUMN ai_usage_daily.small; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.ai_usage_daily.small IS 'Answered by a small model.';

--
-- Name: COLUMN ai_usage_daily.large; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.ai_usage_daily.large IS 'Answered by a large model (escalated or large-only use cases).';

--
-- Name: COLUMN ai_usage_daily.small_large_ratio; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.ai_usage_daily.small_large_ratio IS 'Small per large answer (null without large ones).';

--
-- Name: COLUMN ai_usage_daily.cost_eur; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.ai_usage_daily.cost_eur IS 'EUR charged.';

--
-- Name: COLUMN ai_usage_daily.cache_hits; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.ai_usage_daily.cache_hits IS 'Answered from the PostgreSQL cache, at no cost.';

--
-- Name: COLUMN ai_usage_daily.cache_hit_rate; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.ai_usage_daily.cache_hit_rate IS 'Cache hits per answered call.';

--
-- Name: credit_checks_daily; Type: VIEW; Schema: reporting; Owner: -
--

CREATE VIEW reporting.credit_checks_daily WITH (security_invoker='true') AS
 SELECT k.day,
    k.credit_calls AS calls,
    k.credit_p50_ms AS p50_ms,
    k.credit_p95_ms AS p95_ms
   FROM app_private.analyst_kpi_daily() k(tenant_id, day, leads_active, leads_grace, leads_expired, leads_unassigned, registrations, expiries, releases, holds_by_reason, feedback_links_sent, feedback_answered, ai_calls_small, ai_calls_large, ai_cache_hits, ai_cost_eur, credit_calls, credit_p50_ms, credit_p95_ms, job_backlog, computed_at, final, transfers);

--
-- Name: VIEW credit_checks_daily; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON VIEW reporting.credit_checks_daily IS 'Calls to Allianz Trade per day and how long they took.';

--
-- Name: COLUMN credit_checks_daily.day; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.credit_checks_daily.day IS 'The day (the tenant''s time zone).';

--
-- Name: COLUMN credit_checks_daily.calls; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.credit_checks_daily.calls IS 'Calls to Allianz Trade (company search, grades, limits).';

--
-- Name: COLUMN credit_checks_daily.p50_ms; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.credit_checks_daily.p50_ms IS 'Their median duration in milliseconds.';

--
-- Name: COLUMN credit_checks_daily.p95_ms; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.credit_checks_daily.p95_ms IS 'Their 95th percentile duration in milliseconds.';

--
-- Name: expiries_daily; Type: VIEW; Schema: reporting; Owner: -
--

CREATE VIEW reporting.expiries_daily WITH (security_invoker='true') AS
 SELECT k.day,
    k.registrations,
    k.expiries,
    k.releases,
    k.final,
    k.transfers
   FROM app_private.analyst_kpi_daily() k(tenant_id, day, leads_active, leads_grace, leads_expired, leads_unassigned, registrations, expiries, releases, holds_by_reason, feedback_links_sent, feedback_answered, ai_calls_small, ai_calls_large, ai_cache_hits, ai_cost_eur, credit_calls, credit_p50_ms, credit_p95_ms, job_backlog, computed_at, final, transfers);

--
-- Name: VIEW expiries_daily; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON VIEW reporting.expiries_daily IS 'Protection cycles opened, expired and released per day.';

--
-- Name: COLUMN expiries_daily.day; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.expiries_daily.day IS 'The day (the tenant''s time zone).';

--
-- Name: COLUMN expiries_daily.registrations; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.expiries_daily.registrations IS 'Cycles opened by a registration or a claim.';

--
-- Name: COLUMN expiries_daily.expiries; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.expiries_daily.expiries IS 'Cycles whose protection ended by expiry.';

--
-- Name: COLUMN expiries_daily.releases; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.expiries_daily.releases IS 'Leads released to the pool (their cycle closed by expiry).';

--
-- Name: COLUMN expiries_daily.final; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.expiries_daily.final IS 'Whether the day is over and counted in full.';

--
-- Name: COLUMN expiries_daily.transfers; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.expiries_daily.transfers IS 'Cycles closed by a transfer to another rep.';

--
-- Name: feedback_response; Type: VIEW; Schema: reporting; Owner: -
--

CREATE VIEW reporting.feedback_response WITH (security_invoker='true') AS
 SELECT k.day,
    k.feedback_links_sent AS links_sent,
    k.feedback_answered AS answered,
    round(((k.feedback_answered)::numeric / (NULLIF(k.feedback_links_sent, 0))::numeric), 4) AS answered_per_link
   FROM app_private.analyst_kpi_daily() k(tenant_id, day, leads_active, leads_grace, leads_expired, leads_unassigned, registrations, expiries, releases, holds_by_reason, feedback_links_sent, feedback_answered, ai_calls_small, ai_calls_large, ai_cache_hits, ai_cost_eur, credit_calls, credit_p50_ms, credit_p95_ms, job_backlog, computed_at, final, transfers);

--
-- Name: VIEW feedback_response; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON VIEW reporting.feedback_response IS 'Sample feedback links sent and answers received per day.';

--
-- Name: COLUMN feedback_response.day; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.feedback_response.day IS 'The day (the tenant''s time zone).';

--
-- Name: COLUMN feedback_response.links_sent; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.feedback_response.links_sent IS 'Feedback links created (one per test phase and rotation).';

--
-- Name: COLUMN feedback_response.answered; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.feedback_response.answered IS 'Feedback submissions received.';

--
-- Name: COLUMN feedback_response.answered_per_link; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.feedback_response.answered_per_link IS 'Answers per link sent the same day (null without links; answers may come days later).';

--
-- Name: holds_by_reason; Type: VIEW; Schema: reporting; Owner: -
--

CREATE VIEW reporting.holds_by_reason WITH (security_invoker='true') AS
 SELECT k.day,
    h.key AS reason,
    (h.value)::integer AS holds
   FROM (app_private.analyst_kpi_daily() k(tenant_id, day, leads_active, leads_grace, leads_expired, leads_unassigned, registrations, expiries, releases, holds_by_reason, feedback_links_sent, feedback_answered, ai_calls_small, ai_calls_large, ai_cache_hits, ai_cost_eur, credit_calls, credit_p50_ms, credit_p95_ms, job_backlog, computed_at, final, transfers)
     CROSS JOIN LATERAL jsonb_each_text(k.holds_by_reason) h(key, value));

--
-- Name: VIEW holds_by_reason; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON VIEW reporting.holds_by_reason IS 'Approved holds (stop-the-clock) running per day and reason: at the snapshot for today, at the day''s end before.';

--
-- Name: COLUMN holds_by_reason.day; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.holds_by_reason.day IS 'The day (the tenant''s time zone).';

--
-- Name: COLUMN holds_by_reason.reason; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.holds_by_reason.reason IS 'FFZ_PRICE_APPROVAL, FFZ_SAMPLE_DELAY, FFZ_SUPPLY_ISSUE, CUSTOMER_BLOCKED or OTHER.';

--
-- Name: COLUMN holds_by_reason.holds; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.holds_by_reason.holds IS 'Holds of that reason running.';

--
-- Name: job_backlog; Type: VIEW; Schema: reporting; Owner: -
--

CREATE VIEW reporting.job_backlog WITH (security_invoker='true') AS
 SELECT k.day,
    k.computed_at AS as_of,
    b.key AS kind,
    (b.value)::integer AS jobs
   FROM (app_private.analyst_kpi_daily() k(tenant_id, day, leads_active, leads_grace, leads_expired, leads_unassigned, registrations, expiries, releases, holds_by_reason, feedback_links_sent, feedback_answered, ai_calls_small, ai_calls_large, ai_cache_hits, ai_cost_eur, credit_calls, credit_p50_ms, credit_p95_ms, job_backlog, computed_at, final, transfers)
     CROSS JOIN LATERAL jsonb_each_text(k.job_backlog) b(key, value));

--
-- Name: VIEW job_backlog; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON VIEW reporting.job_backlog IS 'Jobs of the tenant waiting or running per kind, at the last snapshot of each day.';

--
-- Name: COLUMN job_backlog.day; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.job_backlog.day IS 'The day (the tenant''s time zone).';

--
-- Name: COLUMN job_backlog.as_of; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.job_backlog.as_of IS 'When the snapshot was taken.';

--
-- Name: COLUMN job_backlog.kind; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.job_backlog.kind IS 'Job kind (mail.send, xentral.order, ...).';

--
-- Name: COLUMN job_backlog.jobs; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.job_backlog.jobs IS 'Jobs of it waiting or running.';

--
-- Name: lead_status_daily; Type: VIEW; Schema: reporting; Owner: -
--

CREATE VIEW reporting.lead_status_daily WITH (security_invoker='true') AS
 SELECT k.day,
    k.leads_active AS active,
    k.leads_grace AS grace,
    k.leads_expired AS expired,
    k.leads_unassigned AS unassigned
   FROM app_private.analyst_kpi_daily() k(tenant_id, day, leads_active, leads_grace, leads_expired, leads_unassigned, registrations, expiries, releases, holds_by_reason, feedback_links_sent, feedback_answered, ai_calls_small, ai_calls_large, ai_cache_hits, ai_cost_eur, credit_calls, credit_p50_ms, credit_p95_ms, job_backlog, computed_at, final, transfers);

--
-- Name: VIEW lead_status_daily; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON VIEW reporting.lead_status_daily IS 'Leads by protection status per day, as the day''s last snapshot saw them (null: no snapshot that day).';

--
-- Name: COLUMN lead_status_daily.day; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.lead_status_daily.day IS 'The day (the tenant''s time zone).';

--
-- Name: COLUMN lead_status_daily.active; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.lead_status_daily.active IS 'Leads under protection (ACTIVE).';

--
-- Name: COLUMN lead_status_daily.grace; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.lead_status_daily.grace IS 'Leads in their grace period after a missed deadline (GRACE).';

--
-- Name: COLUMN lead_status_daily.expired; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.lead_status_daily.expired IS 'Leads whose protection expired (EXPIRED): released to the pool, or past their grace and about to be.';

--
-- Name: COLUMN lead_status_daily.unassigned; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.lead_status_daily.unassigned IS 'Leads in the pool never owned (UNASSIGNED).';

--
-- Name: rep_activity_weekly; Type: VIEW; Schema: reporting; Owner: -
--

CREATE VIEW reporting.rep_activity_weekly WITH (security_invoker='true') AS
 SELECT w.week,
    w.rep_id,
    w.registrations,
    w.qualifying_activities,
    w.expiries
   FROM app_private.analyst_rep_weekly() w(tenant_id, week, rep_id, registrations, qualifying_activities, expiries, computed_at);

--
-- Name: VIEW rep_activity_weekly; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON VIEW reporting.rep_activity_weekly IS 'Per rep (by id only: no names, no contact data) and ISO week: registrations, qualifying activities, expiries.';

--
-- Name: COLUMN rep_activity_weekly.week; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.rep_activity_weekly.week IS 'The Monday of the week (the tenant''s time zone).';

--
-- Name: COLUMN rep_activity_weekly.rep_id; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.rep_activity_weekly.rep_id IS 'The rep''s user id.';

--
-- Name: COLUMN rep_activity_weekly.registrations; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.rep_activity_weekly.registrations IS 'Protection cycles the rep opened by registering or claiming.';

--
-- Name: COLUMN rep_activity_weekly.qualifying_activities; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.rep_activity_weekly.qualifying_activities IS 'Activities of a kind that counts as progress, logged in the rep''s cycles.';

--
-- Name: COLUMN rep_activity_weekly.expiries; Type: COMMENT; Schema: reporting; Owner: -
--

COMMENT ON COLUMN reporting.rep_activity_weekly.expiries IS 'The rep''s cycles that ended by expiry.';

--
-- Name: activities activities_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.activities
    ADD CONSTRAINT activities_pkey PRIMARY KEY (id);

--
-- Name: activity_kinds activity_kinds_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.activity_kinds
    ADD CONSTRAINT activity_kinds_pkey PRIMARY KEY (tenant_id, kind);

--
-- Name: ai_budget_months ai_budget_months_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.ai_budget_months
    ADD CONSTRAINT ai_budget_months_pkey PRIMARY KEY (org_id, month);

--
-- Name: ai_cache ai_cache_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.ai_cache
    ADD CONSTRAINT ai_cache_pkey PRIMARY KEY (tenant_id, cache_key);

--
-- Name: ai_calibrations ai_calibrations_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.ai_calibrations
    ADD CONSTRAINT ai_calibrations_pkey PRIMARY KEY (id);

--
-- Name: ai_calls ai_calls_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.ai_calls
    ADD CONSTRAINT ai_calls_pkey PRIMARY KEY (id);

--
-- Name: ai_model_prices ai_model_prices_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.ai_model_prices
    ADD CONSTRAINT ai_model_prices_pkey PRIMARY KEY (provider, model, valid_from);

--
-- Name: ai_reservations ai_reservations_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.ai_reservations
    ADD CONSTRAINT ai_reservations_pkey PRIMARY KEY (id);

--
-- Name: alert_states alert_states_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.alert_states
    ADD CONSTRAINT alert_states_pkey PRIMARY KEY (tenant_id, alert, subject);

--
-- Name: analysts analysts_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.analysts
    ADD CONSTRAINT analysts_pkey PRIMARY KEY (role_name);

--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);

--
-- Name: clock_override clock_override_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.clock_override
    ADD CONSTRAINT clock_override_pkey PRIMARY KEY (singleton);

--
-- Name: collaborators collaborators_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.collaborators
    ADD CONSTRAINT collaborators_pkey PRIMARY KEY (lead_id, user_id);

--
-- Name: connector_calls connector_calls_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.connector_calls
    ADD CONSTRAINT connector_calls_pkey PRIMARY KEY (id);

--
-- Name: connector_states connector_states_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.connector_states
    ADD CONSTRAINT connector_states_pkey PRIMARY KEY (tenant_id, connector);

--
-- Name: connectors connectors_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.connectors
    ADD CONSTRAINT connectors_pkey PRIMARY KEY (connector);

--
-- Name: credit_checks credit_checks_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.credit_checks
    ADD CONSTRAINT credit_checks_pkey PRIMARY KEY (id);

--
-- Name: credit_limit_requests credit_limit_requests_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.credit_limit_requests
    ADD CONSTRAINT credit_limit_requests_pkey PRIMARY KEY (id);

--
-- Name: default_activity_kinds default_activity_kinds_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.default_activity_kinds
    ADD CONSTRAINT default_activity_kinds_pkey PRIMARY KEY (kind);

--
-- Name: extension_requests extension_requests_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.extension_requests
    ADD CONSTRAINT extension_requests_pkey PRIMARY KEY (id);

--
-- Name: feedback_submissions feedback_submissions_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.feedback_submissions
    ADD CONSTRAINT feedback_submissions_pkey PRIMARY KEY (id);

--
-- Name: holds holds_no_overlap; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.holds
    ADD CONSTRAINT holds_no_overlap EXCLUDE USING gist (lead_id WITH =, tstzrange(start_at, end_at, '[)'::text) WITH &&) WHERE ((state = ANY (ARRAY['PENDING'::text, 'APPROVED'::text])));

--
-- Name: holds holds_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.holds
    ADD CONSTRAINT holds_pkey PRIMARY KEY (id);

--
-- Name: imap_mailboxes imap_mailboxes_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.imap_mailboxes
    ADD CONSTRAINT imap_mailboxes_pkey PRIMARY KEY (mailbox);

--
-- Name: inbound_mails inbound_mails_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.inbound_mails
    ADD CONSTRAINT inbound_mails_pkey PRIMARY KEY (id);

--
-- Name: inbound_mails inbound_mails_uid_key; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.inbound_mails
    ADD CONSTRAINT inbound_mails_uid_key UNIQUE (mailbox, uidvalidity, uid);

--
-- Name: job_heartbeats job_heartbeats_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.job_heartbeats
    ADD CONSTRAINT job_heartbeats_pkey PRIMARY KEY (job_name);

--
-- Name: job_kinds job_kinds_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.job_kinds
    ADD CONSTRAINT job_kinds_pkey PRIMARY KEY (kind);

--
-- Name: jobs jobs_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.jobs
    ADD CONSTRAINT jobs_pkey PRIMARY KEY (id);

--
-- Name: kpi_daily kpi_daily_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.kpi_daily
    ADD CONSTRAINT kpi_daily_pkey PRIMARY KEY (tenant_id, day);

--
-- Name: kpi_rep_weekly kpi_rep_weekly_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.kpi_rep_weekly
    ADD CONSTRAINT kpi_rep_weekly_pkey PRIMARY KEY (tenant_id, week, rep_id);

--
-- Name: lead_assignments lead_assignments_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.lead_assignments
    ADD CONSTRAINT lead_assignments_pkey PRIMARY KEY (id);

--
-- Name: lead_details lead_details_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.lead_details
    ADD CONSTRAINT lead_details_pkey PRIMARY KEY (lead_id);

--
-- Name: leads leads_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.leads
    ADD CONSTRAINT leads_pkey PRIMARY KEY (id);

--
-- Name: mailbox_quotas mailbox_quotas_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.mailbox_quotas
    ADD CONSTRAINT mailbox_quotas_pkey PRIMARY KEY (tenant_id, mail_login);

--
-- Name: notifications notifications_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.notifications
    ADD CONSTRAINT notifications_pkey PRIMARY KEY (id);

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
-- Name: product_feedback product_feedback_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.product_feedback
    ADD CONSTRAINT product_feedback_pkey PRIMARY KEY (id);

--
-- Name: products products_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.products
    ADD CONSTRAINT products_pkey PRIMARY KEY (tenant_id, sku);

--
-- Name: protection_configs protection_configs_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.protection_configs
    ADD CONSTRAINT protection_configs_pkey PRIMARY KEY (tenant_id);

--
-- Name: protection_notices protection_notices_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.protection_notices
    ADD CONSTRAINT protection_notices_pkey PRIMARY KEY (id);

--
-- Name: protection_overrides protection_overrides_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.protection_overrides
    ADD CONSTRAINT protection_overrides_pkey PRIMARY KEY (id);

--
-- Name: sales_orders sales_orders_number_key; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.sales_orders
    ADD CONSTRAINT sales_orders_number_key UNIQUE (number);

--
-- Name: sales_orders sales_orders_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.sales_orders
    ADD CONSTRAINT sales_orders_pkey PRIMARY KEY (id);

--
-- Name: sample_box_items sample_box_items_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.sample_box_items
    ADD CONSTRAINT sample_box_items_pkey PRIMARY KEY (box_id, sku);

--
-- Name: sample_boxes sample_boxes_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.sample_boxes
    ADD CONSTRAINT sample_boxes_pkey PRIMARY KEY (id);

--
-- Name: settings_registry settings_registry_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.settings_registry
    ADD CONSTRAINT settings_registry_pkey PRIMARY KEY (key);

--
-- Name: settings_values settings_values_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.settings_values
    ADD CONSTRAINT settings_values_pkey PRIMARY KEY (id);

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
-- Name: test_phases test_phases_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.test_phases
    ADD CONSTRAINT test_phases_pkey PRIMARY KEY (id);

--
-- Name: test_results test_results_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.test_results
    ADD CONSTRAINT test_results_pkey PRIMARY KEY (id);

--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

--
-- Name: worker_heartbeats worker_heartbeats_pkey; Type: CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.worker_heartbeats
    ADD CONSTRAINT worker_heartbeats_pkey PRIMARY KEY (worker_id);

--
-- Name: feedback_tokens feedback_tokens_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.feedback_tokens
    ADD CONSTRAINT feedback_tokens_pkey PRIMARY KEY (id);

--
-- Name: flyway_schema_history flyway_schema_history_pk; Type: CONSTRAINT; Schema: flyway; Owner: -
--

ALTER TABLE ONLY flyway.flyway_schema_history
    ADD CONSTRAINT flyway_schema_history_pk PRIMARY KEY (installed_rank);

--
-- Name: activities_assignment_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX activities_assignment_idx ON app.activities USING btree (assignment_id);

--
-- Name: activities_created_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX activities_created_by_idx ON app.activities USING btree (created_by);

--
-- Name: activities_lead_time_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX activities_lead_time_idx ON app.activities USING btree (lead_id, occurred_at DESC);

--
-- Name: activities_tenant_created_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX activities_tenant_created_idx ON app.activities USING btree (tenant_id, created_at);

--
-- Name: activities_tenant_kind_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX activities_tenant_kind_idx ON app.activities USING btree (tenant_id, kind);

--
-- Name: ai_budget_months_org_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX ai_budget_months_org_tenant_idx ON app.ai_budget_months USING btree (org_id, tenant_id);

--
-- Name: ai_budget_months_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX ai_budget_months_tenant_idx ON app.ai_budget_months USING btree (tenant_id, month);

--
-- Name: ai_cache_expires_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX ai_cache_expires_idx ON app.ai_cache USING btree (expires_at);

--
-- Name: ai_calibrations_lookup_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX ai_calibrations_lookup_idx ON app.ai_calibrations USING btree (use_case, provider, model, prompt_version, created_at DESC);

--
-- Name: ai_calls_org_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX ai_calls_org_tenant_idx ON app.ai_calls USING btree (org_id, tenant_id);

--
-- Name: ai_calls_tenant_occurred_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX ai_calls_tenant_occurred_idx ON app.ai_calls USING btree (tenant_id, occurred_at DESC);

--
-- Name: ai_calls_user_occurred_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX ai_calls_user_occurred_idx ON app.ai_calls USING btree (user_id, occurred_at DESC);

--
-- Name: ai_reservations_live_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX ai_reservations_live_idx ON app.ai_reservations USING btree (org_id, month) WHERE (settled_at IS NULL);

--
-- Name: ai_reservations_org_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX ai_reservations_org_tenant_idx ON app.ai_reservations USING btree (org_id, tenant_id);

--
-- Name: ai_reservations_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX ai_reservations_tenant_idx ON app.ai_reservations USING btree (tenant_id);

--
-- Name: ai_reservations_user_month_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX ai_reservations_user_month_idx ON app.ai_reservations USING btree (user_id, month);

--
-- Name: analysts_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX analysts_tenant_idx ON app.analysts USING btree (tenant_id);

--
-- Name: audit_log_actor_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX audit_log_actor_idx ON app.audit_log USING btree (actor_id) WHERE (actor_id IS NOT NULL);

--
-- Name: audit_log_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX audit_log_lead_idx ON app.audit_log USING btree (lead_id, id) WHERE (lead_id IS NOT NULL);

--
-- Name: audit_log_tenant_time_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX audit_log_tenant_time_idx ON app.audit_log USING btree (tenant_id, occurred_at DESC);

--
-- Name: collaborators_added_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX collaborators_added_by_idx ON app.collaborators USING btree (added_by);

--
-- Name: collaborators_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX collaborators_tenant_idx ON app.collaborators USING btree (tenant_id);

--
-- Name: collaborators_user_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX collaborators_user_idx ON app.collaborators USING btree (user_id);

--
-- Name: connector_calls_connector_time_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX connector_calls_connector_time_idx ON app.connector_calls USING btree (connector, started_at);

--
-- Name: connector_calls_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX connector_calls_tenant_idx ON app.connector_calls USING btree (tenant_id);

--
-- Name: connector_states_connector_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX connector_states_connector_idx ON app.connector_states USING btree (connector);

--
-- Name: credit_checks_company_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX credit_checks_company_idx ON app.credit_checks USING btree (tenant_id, company_id, checked_at DESC);

--
-- Name: credit_checks_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX credit_checks_lead_idx ON app.credit_checks USING btree (lead_id, checked_at DESC);

--
-- Name: credit_checks_requested_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX credit_checks_requested_by_idx ON app.credit_checks USING btree (requested_by);

--
-- Name: credit_checks_reused_from_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX credit_checks_reused_from_idx ON app.credit_checks USING btree (reused_from);

--
-- Name: credit_limit_requests_check_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX credit_limit_requests_check_idx ON app.credit_limit_requests USING btree (check_id, requested_at DESC);

--
-- Name: credit_limit_requests_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX credit_limit_requests_lead_idx ON app.credit_limit_requests USING btree (lead_id);

--
-- Name: credit_limit_requests_requested_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX credit_limit_requests_requested_by_idx ON app.credit_limit_requests USING btree (requested_by);

--
-- Name: credit_limit_requests_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX credit_limit_requests_tenant_idx ON app.credit_limit_requests USING btree (tenant_id);

--
-- Name: extension_requests_assignment_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX extension_requests_assignment_idx ON app.extension_requests USING btree (assignment_id) WHERE (state = 'APPROVED'::text);

--
-- Name: extension_requests_decided_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX extension_requests_decided_by_idx ON app.extension_requests USING btree (decided_by);

--
-- Name: extension_requests_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX extension_requests_lead_idx ON app.extension_requests USING btree (lead_id, requested_at DESC);

--
-- Name: extension_requests_one_pending_key; Type: INDEX; Schema: app; Owner: -
--

CREATE UNIQUE INDEX extension_requests_one_pending_key ON app.extension_requests USING btree (assignment_id) WHERE (state = 'PENDING'::text);

--
-- Name: extension_requests_pending_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX extension_requests_pending_idx ON app.extension_requests USING btree (due_at) WHERE (state = 'PENDING'::text);

--
-- Name: extension_requests_requested_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX extension_requests_requested_by_idx ON app.extension_requests USING btree (requested_by);

--
-- Name: extension_requests_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX extension_requests_tenant_idx ON app.extension_requests USING btree (tenant_id);

--
-- Name: feedback_submissions_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX feedback_submissions_lead_idx ON app.feedback_submissions USING btree (lead_id);

--
-- Name: feedback_submissions_phase_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX feedback_submissions_phase_idx ON app.feedback_submissions USING btree (phase_id, received_at);

--
-- Name: feedback_submissions_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX feedback_submissions_tenant_idx ON app.feedback_submissions USING btree (tenant_id);

--
-- Name: feedback_submissions_token_key; Type: INDEX; Schema: app; Owner: -
--

CREATE UNIQUE INDEX feedback_submissions_token_key ON app.feedback_submissions USING btree (token_id, submission_key);

--
-- Name: holds_assignment_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX holds_assignment_idx ON app.holds USING btree (assignment_id, start_at DESC) WHERE (state = 'APPROVED'::text);

--
-- Name: holds_decided_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX holds_decided_by_idx ON app.holds USING btree (decided_by);

--
-- Name: holds_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX holds_lead_idx ON app.holds USING btree (lead_id, start_at DESC);

--
-- Name: holds_open_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX holds_open_idx ON app.holds USING btree (start_at) WHERE ((end_at IS NULL) AND (state = 'APPROVED'::text));

--
-- Name: holds_pending_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX holds_pending_idx ON app.holds USING btree (tenant_id, created_at) WHERE (state = 'PENDING'::text);

--
-- Name: holds_requested_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX holds_requested_by_idx ON app.holds USING btree (requested_by);

--
-- Name: imap_mailboxes_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX imap_mailboxes_tenant_idx ON app.imap_mailboxes USING btree (tenant_id);

--
-- Name: inbound_mails_assigned_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX inbound_mails_assigned_by_idx ON app.inbound_mails USING btree (assigned_by);

--
-- Name: inbound_mails_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX inbound_mails_lead_idx ON app.inbound_mails USING btree (lead_id);

--
-- Name: inbound_mails_mailbox_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX inbound_mails_mailbox_idx ON app.inbound_mails USING btree (mailbox);

--
-- Name: inbound_mails_message_id_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX inbound_mails_message_id_idx ON app.inbound_mails USING btree (mailbox, message_id) WHERE (message_id IS NOT NULL);

--
-- Name: inbound_mails_unmatched_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX inbound_mails_unmatched_idx ON app.inbound_mails USING btree (tenant_id, received_at DESC) WHERE (lead_id IS NULL);

--
-- Name: jobs_dedupe_key; Type: INDEX; Schema: app; Owner: -
--

CREATE UNIQUE INDEX jobs_dedupe_key ON app.jobs USING btree (dedupe_key);

--
-- Name: jobs_due_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX jobs_due_idx ON app.jobs USING btree (next_attempt_at, id) WHERE (state = 'PENDING'::text);

--
-- Name: jobs_kind_state_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX jobs_kind_state_idx ON app.jobs USING btree (kind, state);

--
-- Name: jobs_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX jobs_lead_idx ON app.jobs USING btree (lead_id);

--
-- Name: jobs_message_id_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX jobs_message_id_idx ON app.jobs USING btree (message_id) WHERE (message_id IS NOT NULL);

--
-- Name: jobs_running_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX jobs_running_idx ON app.jobs USING btree (started_at) WHERE (state = 'RUNNING'::text);

--
-- Name: jobs_tenant_state_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX jobs_tenant_state_idx ON app.jobs USING btree (tenant_id, state);

--
-- Name: jobs_user_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX jobs_user_idx ON app.jobs USING btree (user_id);

--
-- Name: kpi_rep_weekly_rep_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX kpi_rep_weekly_rep_idx ON app.kpi_rep_weekly USING btree (rep_id);

--
-- Name: lead_assignments_closed_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX lead_assignments_closed_by_idx ON app.lead_assignments USING btree (closed_by);

--
-- Name: lead_assignments_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX lead_assignments_lead_idx ON app.lead_assignments USING btree (lead_id, opened_at DESC);

--
-- Name: lead_assignments_one_open_key; Type: INDEX; Schema: app; Owner: -
--

CREATE UNIQUE INDEX lead_assignments_one_open_key ON app.lead_assignments USING btree (lead_id) WHERE (closed_at IS NULL);

--
-- Name: lead_assignments_opened_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX lead_assignments_opened_by_idx ON app.lead_assignments USING btree (opened_by);

--
-- Name: lead_assignments_owner_opened_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX lead_assignments_owner_opened_idx ON app.lead_assignments USING btree (owner_id, opened_at DESC);

--
-- Name: lead_assignments_tenant_closed_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX lead_assignments_tenant_closed_idx ON app.lead_assignments USING btree (tenant_id, closed_at) WHERE (closed_at IS NOT NULL);

--
-- Name: lead_assignments_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX lead_assignments_tenant_idx ON app.lead_assignments USING btree (tenant_id);

--
-- Name: lead_assignments_tenant_opened_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX lead_assignments_tenant_opened_idx ON app.lead_assignments USING btree (tenant_id, opened_at);

--
-- Name: lead_details_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX lead_details_tenant_idx ON app.lead_details USING btree (tenant_id);

--
-- Name: leads_assignment_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX leads_assignment_idx ON app.leads USING btree (assignment_id);

--
-- Name: leads_created_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX leads_created_by_idx ON app.leads USING btree (created_by);

--
-- Name: leads_name_trgm_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX leads_name_trgm_idx ON app.leads USING gin (name_key extensions.gin_trgm_ops);

--
-- Name: leads_owner_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX leads_owner_idx ON app.leads USING btree (owner_id, registered_at DESC) WHERE (owner_id IS NOT NULL);

--
-- Name: leads_pool_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX leads_pool_idx ON app.leads USING btree (tenant_id, released_at) WHERE (owner_id IS NULL);

--
-- Name: leads_tenant_dup_key; Type: INDEX; Schema: app; Owner: -
--

CREATE UNIQUE INDEX leads_tenant_dup_key ON app.leads USING btree (tenant_id, dup_key);

--
-- Name: leads_tenant_vat_key; Type: INDEX; Schema: app; Owner: -
--

CREATE UNIQUE INDEX leads_tenant_vat_key ON app.leads USING btree (tenant_id, vat_key) WHERE (vat_key IS NOT NULL);

--
-- Name: notifications_dedupe_key; Type: INDEX; Schema: app; Owner: -
--

CREATE UNIQUE INDEX notifications_dedupe_key ON app.notifications USING btree (user_id, dedupe_key) WHERE (dedupe_key IS NOT NULL);

--
-- Name: notifications_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX notifications_lead_idx ON app.notifications USING btree (lead_id);

--
-- Name: notifications_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX notifications_tenant_idx ON app.notifications USING btree (tenant_id);

--
-- Name: notifications_user_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX notifications_user_idx ON app.notifications USING btree (user_id, created_at DESC);

--
-- Name: product_feedback_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX product_feedback_lead_idx ON app.product_feedback USING btree (lead_id);

--
-- Name: product_feedback_phase_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX product_feedback_phase_idx ON app.product_feedback USING btree (phase_id, received_at);

--
-- Name: product_feedback_product_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX product_feedback_product_idx ON app.product_feedback USING btree (tenant_id, sku);

--
-- Name: product_feedback_recorded_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX product_feedback_recorded_by_idx ON app.product_feedback USING btree (recorded_by);

--
-- Name: product_feedback_submission_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX product_feedback_submission_idx ON app.product_feedback USING btree (submission_id);

--
-- Name: products_xentral_id_key; Type: INDEX; Schema: app; Owner: -
--

CREATE UNIQUE INDEX products_xentral_id_key ON app.products USING btree (tenant_id, xentral_id);

--
-- Name: protection_notices_once_key; Type: INDEX; Schema: app; Owner: -
--

CREATE UNIQUE INDEX protection_notices_once_key ON app.protection_notices USING btree (lead_id, kind, cycle_key);

--
-- Name: protection_notices_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX protection_notices_tenant_idx ON app.protection_notices USING btree (tenant_id);

--
-- Name: protection_notices_undelivered_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX protection_notices_undelivered_idx ON app.protection_notices USING btree (id) WHERE (delivered_at IS NULL);

--
-- Name: protection_overrides_assignment_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX protection_overrides_assignment_idx ON app.protection_overrides USING btree (assignment_id, created_at DESC);

--
-- Name: protection_overrides_created_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX protection_overrides_created_by_idx ON app.protection_overrides USING btree (created_by);

--
-- Name: protection_overrides_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX protection_overrides_lead_idx ON app.protection_overrides USING btree (lead_id);

--
-- Name: protection_overrides_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX protection_overrides_tenant_idx ON app.protection_overrides USING btree (tenant_id);

--
-- Name: sales_orders_created_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX sales_orders_created_by_idx ON app.sales_orders USING btree (created_by);

--
-- Name: sales_orders_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX sales_orders_lead_idx ON app.sales_orders USING btree (lead_id);

--
-- Name: sales_orders_tenant_created_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX sales_orders_tenant_created_idx ON app.sales_orders USING btree (tenant_id, created_at DESC);

--
-- Name: sample_box_items_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX sample_box_items_lead_idx ON app.sample_box_items USING btree (lead_id);

--
-- Name: sample_box_items_product_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX sample_box_items_product_idx ON app.sample_box_items USING btree (tenant_id, sku);

--
-- Name: sample_boxes_configured_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX sample_boxes_configured_by_idx ON app.sample_boxes USING btree (configured_by);

--
-- Name: sample_boxes_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX sample_boxes_lead_idx ON app.sample_boxes USING btree (lead_id);

--
-- Name: sample_boxes_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX sample_boxes_tenant_idx ON app.sample_boxes USING btree (tenant_id);

--
-- Name: settings_values_key_scope_target_key; Type: INDEX; Schema: app; Owner: -
--

CREATE UNIQUE INDEX settings_values_key_scope_target_key ON app.settings_values USING btree (key, scope, COALESCE(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid), COALESCE(target_id, '00000000-0000-0000-0000-000000000000'::uuid));

--
-- Name: settings_values_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX settings_values_tenant_idx ON app.settings_values USING btree (tenant_id, key);

--
-- Name: settings_values_updated_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX settings_values_updated_by_idx ON app.settings_values USING btree (updated_by);

--
-- Name: test_phases_box_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX test_phases_box_idx ON app.test_phases USING btree (box_id);

--
-- Name: test_phases_created_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX test_phases_created_by_idx ON app.test_phases USING btree (created_by);

--
-- Name: test_phases_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX test_phases_lead_idx ON app.test_phases USING btree (lead_id);

--
-- Name: test_phases_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX test_phases_tenant_idx ON app.test_phases USING btree (tenant_id);

--
-- Name: test_results_lead_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX test_results_lead_idx ON app.test_results USING btree (lead_id);

--
-- Name: test_results_phase_sku_key; Type: INDEX; Schema: app; Owner: -
--

CREATE UNIQUE INDEX test_results_phase_sku_key ON app.test_results USING btree (phase_id, sku);

--
-- Name: test_results_recorded_by_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX test_results_recorded_by_idx ON app.test_results USING btree (recorded_by);

--
-- Name: test_results_tenant_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX test_results_tenant_idx ON app.test_results USING btree (tenant_id, sku);

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
-- Name: users_tenant_role_idx; Type: INDEX; Schema: app; Owner: -
--

CREATE INDEX users_tenant_role_idx ON app.users USING btree (tenant_id, role) WHERE active;

--
-- Name: feedback_tokens_created_by_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX feedback_tokens_created_by_idx ON app_private.feedback_tokens USING btree (created_by);

--
-- Name: feedback_tokens_hash_key; Type: INDEX; Schema: app_private; Owner: -
--

CREATE UNIQUE INDEX feedback_tokens_hash_key ON app_private.feedback_tokens USING btree (token_hash);

--
-- Name: feedback_tokens_lead_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX feedback_tokens_lead_idx ON app_private.feedback_tokens USING btree (lead_id);

--
-- Name: feedback_tokens_phase_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX feedback_tokens_phase_idx ON app_private.feedback_tokens USING btree (phase_id, created_at DESC);

--
-- Name: feedback_tokens_tenant_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX feedback_tokens_tenant_idx ON app_private.feedback_tokens USING btree (tenant_id);

--
-- Name: flyway_schema_history_s_idx; Type: INDEX; Schema: flyway; Owner: -
--

CREATE INDEX flyway_schema_history_s_idx ON flyway.flyway_schema_history USING btree (success);

--
-- Name: activities _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.activities FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: activity_kinds _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.activity_kinds FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: ai_budget _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.ai_budget FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: ai_calls _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.ai_calls FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: alerts _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.alerts FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: audit_log _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.audit_log FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: collaborators _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.collaborators FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: credit_checks _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.credit_checks FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: extension_requests _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.extension_requests FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: holds _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.holds FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: inbound_mails _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.inbound_mails FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: integration_status _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.integration_status FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: jobs _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.jobs FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: kpi_daily _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.kpi_daily FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: lead_pool _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.lead_pool FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: lead_protection _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.lead_protection FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: leads _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.leads FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: notifications _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.notifications FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: product_feedback _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.product_feedback FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: products _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.products FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: sales_orders _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.sales_orders FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: sample_boxes _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.sample_boxes FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: settings_effective _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.settings_effective FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: test_phases _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.test_phases FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: test_results _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.test_results FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: user_accounts _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.user_accounts FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: users _100_read_only; Type: TRIGGER; Schema: api; Owner: -
--

CREATE TRIGGER _100_read_only INSTEAD OF INSERT OR DELETE OR UPDATE ON api.users FOR EACH ROW EXECUTE FUNCTION app.tg_api_view__read_only();

--
-- Name: feedback_submissions _010_same_lead; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _010_same_lead BEFORE INSERT OR UPDATE OF lead_id, phase_id ON app.feedback_submissions FOR EACH ROW EXECUTE FUNCTION app_private.tg_samples__same_phase_lead();

--
-- Name: product_feedback _010_same_lead; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _010_same_lead BEFORE INSERT OR UPDATE OF lead_id, phase_id ON app.product_feedback FOR EACH ROW EXECUTE FUNCTION app_private.tg_samples__same_phase_lead();

--
-- Name: sample_box_items _010_same_lead; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _010_same_lead BEFORE INSERT OR UPDATE OF lead_id, box_id ON app.sample_box_items FOR EACH ROW EXECUTE FUNCTION app_private.tg_samples__same_box_lead();

--
-- Name: test_phases _010_same_lead; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _010_same_lead BEFORE INSERT OR UPDATE OF lead_id, box_id ON app.test_phases FOR EACH ROW EXECUTE FUNCTION app_private.tg_samples__same_box_lead();

--
-- Name: test_results _010_same_lead; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _010_same_lead BEFORE INSERT OR UPDATE OF lead_id, phase_id ON app.test_results FOR EACH ROW EXECUTE FUNCTION app_private.tg_samples__same_phase_lead();

--
-- Name: connector_states _050_down_since; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _050_down_since BEFORE INSERT OR UPDATE ON app.connector_states FOR EACH ROW EXECUTE FUNCTION app_private.tg_connector_states__down_since();

--
-- Name: holds _050_guard; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _050_guard BEFORE INSERT OR UPDATE ON app.holds FOR EACH ROW EXECUTE FUNCTION app.tg_holds__guard();

--
-- Name: jobs _050_mail_texts; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _050_mail_texts BEFORE INSERT ON app.jobs FOR EACH ROW WHEN ((new.kind = 'mail.send'::text)) EXECUTE FUNCTION app_private.tg_jobs__mail_texts();

--
-- Name: settings_values _050_validate; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _050_validate BEFORE INSERT OR UPDATE ON app.settings_values FOR EACH ROW EXECUTE FUNCTION app.tg_settings_values__validate();

--
-- Name: audit_log _100_append_only; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _100_append_only BEFORE DELETE OR UPDATE ON app.audit_log FOR EACH ROW EXECUTE FUNCTION app_private.tg_audit_log__refuse_change();

--
-- Name: users _100_audit; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _100_audit AFTER INSERT OR UPDATE OF active, display_name ON app.users FOR EACH ROW EXECUTE FUNCTION app_private.tg_users__audit();

--
-- Name: tenants _100_create_config; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _100_create_config AFTER INSERT ON app.tenants FOR EACH ROW EXECUTE FUNCTION app_private.tg_tenants__create_config();

--
-- Name: jobs _100_forget_link; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _100_forget_link BEFORE UPDATE OF state ON app.jobs FOR EACH ROW EXECUTE FUNCTION app_private.tg_jobs__forget_link();

--
-- Name: settings_registry _100_refresh_configs; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _100_refresh_configs AFTER INSERT OR DELETE OR UPDATE ON app.settings_registry FOR EACH ROW EXECUTE FUNCTION app_private.tg_settings__refresh_configs();

--
-- Name: settings_values _100_refresh_configs; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _100_refresh_configs AFTER INSERT OR DELETE OR UPDATE ON app.settings_values FOR EACH ROW EXECUTE FUNCTION app_private.tg_settings__refresh_configs();

--
-- Name: audit_log _101_no_truncate; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _101_no_truncate BEFORE TRUNCATE ON app.audit_log FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_audit_log__refuse_change();

--
-- Name: tenants _110_seed_activity_kinds; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _110_seed_activity_kinds AFTER INSERT ON app.tenants FOR EACH ROW EXECUTE FUNCTION app_private.tg_tenants__seed_activity_kinds();

--
-- Name: activities _200_refresh_lead_state; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _200_refresh_lead_state AFTER INSERT OR DELETE OR UPDATE ON app.activities FOR EACH ROW EXECUTE FUNCTION app_private.tg_lead_source__refresh();

--
-- Name: activity_kinds _200_refresh_lead_state; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _200_refresh_lead_state AFTER UPDATE OF counts_as_progress ON app.activity_kinds FOR EACH ROW WHEN ((new.counts_as_progress IS DISTINCT FROM old.counts_as_progress)) EXECUTE FUNCTION app_private.tg_activity_kinds__refresh_leads();

--
-- Name: extension_requests _200_refresh_lead_state; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _200_refresh_lead_state AFTER INSERT OR DELETE OR UPDATE ON app.extension_requests FOR EACH ROW EXECUTE FUNCTION app_private.tg_lead_source__refresh();

--
-- Name: holds _200_refresh_lead_state; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _200_refresh_lead_state AFTER INSERT OR DELETE OR UPDATE ON app.holds FOR EACH ROW EXECUTE FUNCTION app_private.tg_lead_source__refresh();

--
-- Name: lead_assignments _200_refresh_lead_state; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _200_refresh_lead_state AFTER INSERT OR DELETE OR UPDATE ON app.lead_assignments FOR EACH ROW EXECUTE FUNCTION app_private.tg_lead_source__refresh();

--
-- Name: protection_configs _200_refresh_lead_state; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _200_refresh_lead_state AFTER UPDATE ON app.protection_configs FOR EACH ROW WHEN ((new.hold_max_days IS DISTINCT FROM old.hold_max_days)) EXECUTE FUNCTION app_private.tg_protection_configs__refresh_leads();

--
-- Name: protection_overrides _200_refresh_lead_state; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _200_refresh_lead_state AFTER INSERT OR DELETE OR UPDATE ON app.protection_overrides FOR EACH ROW EXECUTE FUNCTION app_private.tg_lead_source__refresh();

--
-- Name: jobs _900_wake_workers; Type: TRIGGER; Schema: app; Owner: -
--

CREATE TRIGGER _900_wake_workers AFTER INSERT ON app.jobs FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_jobs__wake_workers();

--
-- Name: feedback_tokens _010_same_lead; Type: TRIGGER; Schema: app_private; Owner: -
--

CREATE TRIGGER _010_same_lead BEFORE INSERT OR UPDATE OF lead_id, phase_id ON app_private.feedback_tokens FOR EACH ROW EXECUTE FUNCTION app_private.tg_samples__same_phase_lead();

--
-- Name: activities activities_assignment_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.activities
    ADD CONSTRAINT activities_assignment_id_fkey FOREIGN KEY (assignment_id) REFERENCES app.lead_assignments(id) ON DELETE SET NULL;

--
-- Name: activities activities_created_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.activities
    ADD CONSTRAINT activities_created_by_fkey FOREIGN KEY (created_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: activities activities_kind_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.activities
    ADD CONSTRAINT activities_kind_fkey FOREIGN KEY (tenant_id, kind) REFERENCES app.activity_kinds(tenant_id, kind) ON DELETE RESTRICT;

--
-- Name: activities activities_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.activities
    ADD CONSTRAINT activities_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: activities activities_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.activities
    ADD CONSTRAINT activities_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: activity_kinds activity_kinds_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.activity_kinds
    ADD CONSTRAINT activity_kinds_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: ai_budget_months ai_budget_months_org_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.ai_budget_months
    ADD CONSTRAINT ai_budget_months_org_fkey FOREIGN KEY (org_id, tenant_id) REFERENCES app.orgs(id, tenant_id) ON DELETE CASCADE;

--
-- Name: ai_cache ai_cache_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.ai_cache
    ADD CONSTRAINT ai_cache_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: ai_calls ai_calls_org_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.ai_calls
    ADD CONSTRAINT ai_calls_org_fkey FOREIGN KEY (org_id, tenant_id) REFERENCES app.orgs(id, tenant_id) ON DELETE CASCADE;

--
-- Name: ai_calls ai_calls_user_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.ai_calls
    ADD CONSTRAINT ai_calls_user_id_fkey FOREIGN KEY (user_id) REFERENCES app.users(id) ON DELETE CASCADE;

--
-- Name: ai_reservations ai_reservations_org_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.ai_reservations
    ADD CONSTRAINT ai_reservations_org_fkey FOREIGN KEY (org_id, tenant_id) REFERENCES app.orgs(id, tenant_id) ON DELETE CASCADE;

--
-- Name: ai_reservations ai_reservations_user_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.ai_reservations
    ADD CONSTRAINT ai_reservations_user_id_fkey FOREIGN KEY (user_id) REFERENCES app.users(id) ON DELETE CASCADE;

--
-- Name: alert_states alert_states_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.alert_states
    ADD CONSTRAINT alert_states_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: analysts analysts_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.analysts
    ADD CONSTRAINT analysts_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: audit_log audit_log_actor_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.audit_log
    ADD CONSTRAINT audit_log_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: audit_log audit_log_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.audit_log
    ADD CONSTRAINT audit_log_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: collaborators collaborators_added_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.collaborators
    ADD CONSTRAINT collaborators_added_by_fkey FOREIGN KEY (added_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: collaborators collaborators_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.collaborators
    ADD CONSTRAINT collaborators_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: collaborators collaborators_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.collaborators
    ADD CONSTRAINT collaborators_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: collaborators collaborators_user_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.collaborators
    ADD CONSTRAINT collaborators_user_id_fkey FOREIGN KEY (user_id) REFERENCES app.users(id) ON DELETE CASCADE;

--
-- Name: connector_calls connector_calls_connector_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.connector_calls
    ADD CONSTRAINT connector_calls_connector_fkey FOREIGN KEY (connector) REFERENCES app.connectors(connector) ON DELETE CASCADE;

--
-- Name: connector_calls connector_calls_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.connector_calls
    ADD CONSTRAINT connector_calls_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: connector_states connector_states_connector_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.connector_states
    ADD CONSTRAINT connector_states_connector_fkey FOREIGN KEY (connector) REFERENCES app.connectors(connector) ON DELETE CASCADE;

--
-- Name: connector_states connector_states_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.connector_states
    ADD CONSTRAINT connector_states_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: credit_checks credit_checks_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.credit_checks
    ADD CONSTRAINT credit_checks_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: credit_checks credit_checks_requested_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.credit_checks
    ADD CONSTRAINT credit_checks_requested_by_fkey FOREIGN KEY (requested_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: credit_checks credit_checks_reused_from_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.credit_checks
    ADD CONSTRAINT credit_checks_reused_from_fkey FOREIGN KEY (reused_from) REFERENCES app.credit_checks(id) ON DELETE SET NULL;

--
-- Name: credit_checks credit_checks_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.credit_checks
    ADD CONSTRAINT credit_checks_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: credit_limit_requests credit_limit_requests_check_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.credit_limit_requests
    ADD CONSTRAINT credit_limit_requests_check_id_fkey FOREIGN KEY (check_id) REFERENCES app.credit_checks(id) ON DELETE CASCADE;

--
-- Name: credit_limit_requests credit_limit_requests_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.credit_limit_requests
    ADD CONSTRAINT credit_limit_requests_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: credit_limit_requests credit_limit_requests_requested_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.credit_limit_requests
    ADD CONSTRAINT credit_limit_requests_requested_by_fkey FOREIGN KEY (requested_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: credit_limit_requests credit_limit_requests_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.credit_limit_requests
    ADD CONSTRAINT credit_limit_requests_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: extension_requests extension_requests_assignment_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.extension_requests
    ADD CONSTRAINT extension_requests_assignment_id_fkey FOREIGN KEY (assignment_id) REFERENCES app.lead_assignments(id) ON DELETE CASCADE;

--
-- Name: extension_requests extension_requests_decided_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.extension_requests
    ADD CONSTRAINT extension_requests_decided_by_fkey FOREIGN KEY (decided_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: extension_requests extension_requests_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.extension_requests
    ADD CONSTRAINT extension_requests_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: extension_requests extension_requests_requested_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.extension_requests
    ADD CONSTRAINT extension_requests_requested_by_fkey FOREIGN KEY (requested_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: extension_requests extension_requests_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.extension_requests
    ADD CONSTRAINT extension_requests_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: feedback_submissions feedback_submissions_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.feedback_submissions
    ADD CONSTRAINT feedback_submissions_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: feedback_submissions feedback_submissions_phase_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.feedback_submissions
    ADD CONSTRAINT feedback_submissions_phase_id_fkey FOREIGN KEY (phase_id) REFERENCES app.test_phases(id) ON DELETE CASCADE;

--
-- Name: feedback_submissions feedback_submissions_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.feedback_submissions
    ADD CONSTRAINT feedback_submissions_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: feedback_submissions feedback_submissions_token_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.feedback_submissions
    ADD CONSTRAINT feedback_submissions_token_id_fkey FOREIGN KEY (token_id) REFERENCES app_private.feedback_tokens(id) ON DELETE CASCADE;

--
-- Name: holds holds_assignment_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.holds
    ADD CONSTRAINT holds_assignment_id_fkey FOREIGN KEY (assignment_id) REFERENCES app.lead_assignments(id) ON DELETE CASCADE;

--
-- Name: holds holds_decided_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.holds
    ADD CONSTRAINT holds_decided_by_fkey FOREIGN KEY (decided_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: holds holds_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.holds
    ADD CONSTRAINT holds_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: holds holds_requested_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.holds
    ADD CONSTRAINT holds_requested_by_fkey FOREIGN KEY (requested_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: holds holds_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.holds
    ADD CONSTRAINT holds_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: imap_mailboxes imap_mailboxes_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.imap_mailboxes
    ADD CONSTRAINT imap_mailboxes_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: inbound_mails inbound_mails_assigned_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.inbound_mails
    ADD CONSTRAINT inbound_mails_assigned_by_fkey FOREIGN KEY (assigned_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: inbound_mails inbound_mails_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.inbound_mails
    ADD CONSTRAINT inbound_mails_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE SET NULL;

--
-- Name: inbound_mails inbound_mails_mailbox_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.inbound_mails
    ADD CONSTRAINT inbound_mails_mailbox_fkey FOREIGN KEY (mailbox) REFERENCES app.imap_mailboxes(mailbox) ON DELETE CASCADE;

--
-- Name: inbound_mails inbound_mails_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.inbound_mails
    ADD CONSTRAINT inbound_mails_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: jobs jobs_kind_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.jobs
    ADD CONSTRAINT jobs_kind_fkey FOREIGN KEY (kind) REFERENCES app.job_kinds(kind) ON DELETE RESTRICT;

--
-- Name: jobs jobs_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.jobs
    ADD CONSTRAINT jobs_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE SET NULL;

--
-- Name: jobs jobs_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.jobs
    ADD CONSTRAINT jobs_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: jobs jobs_user_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.jobs
    ADD CONSTRAINT jobs_user_id_fkey FOREIGN KEY (user_id) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: kpi_daily kpi_daily_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.kpi_daily
    ADD CONSTRAINT kpi_daily_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: kpi_rep_weekly kpi_rep_weekly_rep_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.kpi_rep_weekly
    ADD CONSTRAINT kpi_rep_weekly_rep_id_fkey FOREIGN KEY (rep_id) REFERENCES app.users(id) ON DELETE CASCADE;

--
-- Name: kpi_rep_weekly kpi_rep_weekly_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.kpi_rep_weekly
    ADD CONSTRAINT kpi_rep_weekly_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: lead_assignments lead_assignments_closed_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.lead_assignments
    ADD CONSTRAINT lead_assignments_closed_by_fkey FOREIGN KEY (closed_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: lead_assignments lead_assignments_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.lead_assignments
    ADD CONSTRAINT lead_assignments_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: lead_assignments lead_assignments_opened_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.lead_assignments
    ADD CONSTRAINT lead_assignments_opened_by_fkey FOREIGN KEY (opened_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: lead_assignments lead_assignments_owner_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.lead_assignments
    ADD CONSTRAINT lead_assignments_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES app.users(id) ON DELETE RESTRICT;

--
-- Name: lead_assignments lead_assignments_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.lead_assignments
    ADD CONSTRAINT lead_assignments_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: lead_details lead_details_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.lead_details
    ADD CONSTRAINT lead_details_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: lead_details lead_details_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.lead_details
    ADD CONSTRAINT lead_details_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: leads leads_assignment_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.leads
    ADD CONSTRAINT leads_assignment_fkey FOREIGN KEY (assignment_id) REFERENCES app.lead_assignments(id) ON DELETE SET NULL;

--
-- Name: leads leads_created_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.leads
    ADD CONSTRAINT leads_created_by_fkey FOREIGN KEY (created_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: leads leads_owner_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.leads
    ADD CONSTRAINT leads_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES app.users(id) ON DELETE RESTRICT;

--
-- Name: leads leads_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.leads
    ADD CONSTRAINT leads_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: mailbox_quotas mailbox_quotas_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.mailbox_quotas
    ADD CONSTRAINT mailbox_quotas_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: notifications notifications_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.notifications
    ADD CONSTRAINT notifications_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: notifications notifications_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.notifications
    ADD CONSTRAINT notifications_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: notifications notifications_user_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.notifications
    ADD CONSTRAINT notifications_user_id_fkey FOREIGN KEY (user_id) REFERENCES app.users(id) ON DELETE CASCADE;

--
-- Name: orgs orgs_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.orgs
    ADD CONSTRAINT orgs_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: product_feedback product_feedback_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.product_feedback
    ADD CONSTRAINT product_feedback_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: product_feedback product_feedback_phase_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.product_feedback
    ADD CONSTRAINT product_feedback_phase_id_fkey FOREIGN KEY (phase_id) REFERENCES app.test_phases(id) ON DELETE CASCADE;

--
-- Name: product_feedback product_feedback_product_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.product_feedback
    ADD CONSTRAINT product_feedback_product_fkey FOREIGN KEY (tenant_id, sku) REFERENCES app.products(tenant_id, sku) ON DELETE RESTRICT;

--
-- Name: product_feedback product_feedback_recorded_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.product_feedback
    ADD CONSTRAINT product_feedback_recorded_by_fkey FOREIGN KEY (recorded_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: product_feedback product_feedback_submission_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.product_feedback
    ADD CONSTRAINT product_feedback_submission_id_fkey FOREIGN KEY (submission_id) REFERENCES app.feedback_submissions(id) ON DELETE CASCADE;

--
-- Name: product_feedback product_feedback_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.product_feedback
    ADD CONSTRAINT product_feedback_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: products products_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.products
    ADD CONSTRAINT products_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: protection_configs protection_configs_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.protection_configs
    ADD CONSTRAINT protection_configs_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: protection_notices protection_notices_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.protection_notices
    ADD CONSTRAINT protection_notices_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: protection_notices protection_notices_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.protection_notices
    ADD CONSTRAINT protection_notices_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: protection_overrides protection_overrides_assignment_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.protection_overrides
    ADD CONSTRAINT protection_overrides_assignment_id_fkey FOREIGN KEY (assignment_id) REFERENCES app.lead_assignments(id) ON DELETE CASCADE;

--
-- Name: protection_overrides protection_overrides_created_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.protection_overrides
    ADD CONSTRAINT protection_overrides_created_by_fkey FOREIGN KEY (created_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: protection_overrides protection_overrides_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.protection_overrides
    ADD CONSTRAINT protection_overrides_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: protection_overrides protection_overrides_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.protection_overrides
    ADD CONSTRAINT protection_overrides_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: sales_orders sales_orders_created_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.sales_orders
    ADD CONSTRAINT sales_orders_created_by_fkey FOREIGN KEY (created_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: sales_orders sales_orders_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.sales_orders
    ADD CONSTRAINT sales_orders_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: sales_orders sales_orders_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.sales_orders
    ADD CONSTRAINT sales_orders_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: sample_box_items sample_box_items_box_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.sample_box_items
    ADD CONSTRAINT sample_box_items_box_id_fkey FOREIGN KEY (box_id) REFERENCES app.sample_boxes(id) ON DELETE CASCADE;

--
-- Name: sample_box_items sample_box_items_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.sample_box_items
    ADD CONSTRAINT sample_box_items_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: sample_box_items sample_box_items_product_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.sample_box_items
    ADD CONSTRAINT sample_box_items_product_fkey FOREIGN KEY (tenant_id, sku) REFERENCES app.products(tenant_id, sku) ON DELETE RESTRICT;

--
-- Name: sample_box_items sample_box_items_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.sample_box_items
    ADD CONSTRAINT sample_box_items_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: sample_boxes sample_boxes_configured_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.sample_boxes
    ADD CONSTRAINT sample_boxes_configured_by_fkey FOREIGN KEY (configured_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: sample_boxes sample_boxes_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.sample_boxes
    ADD CONSTRAINT sample_boxes_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: sample_boxes sample_boxes_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.sample_boxes
    ADD CONSTRAINT sample_boxes_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: settings_values settings_values_key_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.settings_values
    ADD CONSTRAINT settings_values_key_fkey FOREIGN KEY (key) REFERENCES app.settings_registry(key) ON DELETE CASCADE;

--
-- Name: settings_values settings_values_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.settings_values
    ADD CONSTRAINT settings_values_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: settings_values settings_values_updated_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.settings_values
    ADD CONSTRAINT settings_values_updated_by_fkey FOREIGN KEY (updated_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: test_phases test_phases_box_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.test_phases
    ADD CONSTRAINT test_phases_box_id_fkey FOREIGN KEY (box_id) REFERENCES app.sample_boxes(id) ON DELETE CASCADE;

--
-- Name: test_phases test_phases_created_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.test_phases
    ADD CONSTRAINT test_phases_created_by_fkey FOREIGN KEY (created_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: test_phases test_phases_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.test_phases
    ADD CONSTRAINT test_phases_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: test_phases test_phases_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.test_phases
    ADD CONSTRAINT test_phases_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: test_results test_results_lead_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.test_results
    ADD CONSTRAINT test_results_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: test_results test_results_phase_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.test_results
    ADD CONSTRAINT test_results_phase_id_fkey FOREIGN KEY (phase_id) REFERENCES app.test_phases(id) ON DELETE CASCADE;

--
-- Name: test_results test_results_product_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.test_results
    ADD CONSTRAINT test_results_product_fkey FOREIGN KEY (tenant_id, sku) REFERENCES app.products(tenant_id, sku) ON DELETE RESTRICT;

--
-- Name: test_results test_results_recorded_by_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.test_results
    ADD CONSTRAINT test_results_recorded_by_fkey FOREIGN KEY (recorded_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: test_results test_results_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: -
--

ALTER TABLE ONLY app.test_results
    ADD CONSTRAINT test_results_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

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
-- Name: feedback_tokens feedback_tokens_created_by_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.feedback_tokens
    ADD CONSTRAINT feedback_tokens_created_by_fkey FOREIGN KEY (created_by) REFERENCES app.users(id) ON DELETE SET NULL;

--
-- Name: feedback_tokens feedback_tokens_lead_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.feedback_tokens
    ADD CONSTRAINT feedback_tokens_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES app.leads(id) ON DELETE CASCADE;

--
-- Name: feedback_tokens feedback_tokens_phase_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.feedback_tokens
    ADD CONSTRAINT feedback_tokens_phase_id_fkey FOREIGN KEY (phase_id) REFERENCES app.test_phases(id) ON DELETE CASCADE;

--
-- Name: feedback_tokens feedback_tokens_tenant_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.feedback_tokens
    ADD CONSTRAINT feedback_tokens_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES app.tenants(id) ON DELETE CASCADE;

--
-- Name: activities; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.activities ENABLE ROW LEVEL SECURITY;

--
-- Name: activity_kinds; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.activity_kinds ENABLE ROW LEVEL SECURITY;

--
-- Name: ai_budget_months; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.ai_budget_months ENABLE ROW LEVEL SECURITY;

--
-- Name: ai_cache; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.ai_cache ENABLE ROW LEVEL SECURITY;

--
-- Name: ai_calibrations; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.ai_calibrations ENABLE ROW LEVEL SECURITY;

--
-- Name: ai_calls; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.ai_calls ENABLE ROW LEVEL SECURITY;

--
-- Name: ai_model_prices; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.ai_model_prices ENABLE ROW LEVEL SECURITY;

--
-- Name: ai_reservations; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.ai_reservations ENABLE ROW LEVEL SECURITY;

--
-- Name: alert_states; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.alert_states ENABLE ROW LEVEL SECURITY;

--
-- Name: analysts; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.analysts ENABLE ROW LEVEL SECURITY;

--
-- Name: audit_log; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.audit_log ENABLE ROW LEVEL SECURITY;

--
-- Name: clock_override; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.clock_override ENABLE ROW LEVEL SECURITY;

--
-- Name: collaborators; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.collaborators ENABLE ROW LEVEL SECURITY;

--
-- Name: connector_calls; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.connector_calls ENABLE ROW LEVEL SECURITY;

--
-- Name: connector_states; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.connector_states ENABLE ROW LEVEL SECURITY;

--
-- Name: connectors; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.connectors ENABLE ROW LEVEL SECURITY;

--
-- Name: credit_checks; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.credit_checks ENABLE ROW LEVEL SECURITY;

--
-- Name: credit_limit_requests; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.credit_limit_requests ENABLE ROW LEVEL SECURITY;

--
-- Name: default_activity_kinds; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.default_activity_kinds ENABLE ROW LEVEL SECURITY;

--
-- Name: settings_values delete_admin; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY delete_admin ON app.settings_values FOR DELETE TO tenant_admin USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (scope <> 'global'::text)));

--
-- Name: POLICY delete_admin ON settings_values; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY delete_admin ON app.settings_values IS 'A tenant admin removes values of their own tenant only (the key inherits again).';

--
-- Name: collaborators delete_manager; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY delete_manager ON app.collaborators FOR DELETE TO sales_manager USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY delete_manager ON collaborators; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY delete_manager ON app.collaborators IS 'Managers remove collaborators of any lead of their tenant.';

--
-- Name: collaborators delete_owner; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY delete_owner ON app.collaborators FOR DELETE TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (EXISTS ( SELECT
   FROM app.leads l
  WHERE ((l.id = collaborators.lead_id) AND (l.owner_id = ( SELECT app.current_user_id() AS current_user_id))))) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY delete_owner ON collaborators; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY delete_owner ON app.collaborators IS 'The owner removes collaborators while the lead is ACTIVE or GRACE.';

--
-- Name: extension_requests; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.extension_requests ENABLE ROW LEVEL SECURITY;

--
-- Name: feedback_submissions; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.feedback_submissions ENABLE ROW LEVEL SECURITY;

--
-- Name: holds; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.holds ENABLE ROW LEVEL SECURITY;

--
-- Name: imap_mailboxes; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.imap_mailboxes ENABLE ROW LEVEL SECURITY;

--
-- Name: inbound_mails; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.inbound_mails ENABLE ROW LEVEL SECURITY;

--
-- Name: settings_values insert_admin; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_admin ON app.settings_values FOR INSERT TO tenant_admin WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (scope <> 'global'::text)));

--
-- Name: POLICY insert_admin ON settings_values; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_admin ON app.settings_values IS 'A tenant admin stores tenant, org and user values of their own tenant only.';

--
-- Name: users insert_admin; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_admin ON app.users FOR INSERT TO tenant_admin WITH CHECK ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY insert_admin ON users; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_admin ON app.users IS 'A tenant admin creates users in their own tenant only.';

--
-- Name: collaborators insert_manager; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_manager ON app.collaborators FOR INSERT TO sales_manager WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (added_by = ( SELECT app.current_user_id() AS current_user_id)) AND (EXISTS ( SELECT
   FROM app.leads l
  WHERE ((l.id = collaborators.lead_id) AND (l.tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id))))) AND (EXISTS ( SELECT
   FROM app.users u
  WHERE ((u.id = collaborators.user_id) AND u.active)))));

--
-- Name: POLICY insert_manager ON collaborators; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_manager ON app.collaborators IS 'Managers add colleagues of the tenant as collaborators to any lead of their tenant.';

--
-- Name: holds insert_manager; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_manager ON app.holds FOR INSERT TO sales_manager WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (requested_by = ( SELECT app.current_user_id() AS current_user_id)) AND (EXISTS ( SELECT
   FROM app.leads l
  WHERE ((l.id = holds.lead_id) AND (l.tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (l.assignment_id = l.assignment_id)))) AND (start_at <= ( SELECT app.now() AS now)) AND (start_at >= (( SELECT app.now() AS now) - '30 days'::interval))));

--
-- Name: POLICY insert_manager ON holds; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_manager ON app.holds IS 'Managers add holds to the current cycle of leads of their tenant (start limits as in add_hold).';

--
-- Name: product_feedback insert_manager; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_manager ON app.product_feedback FOR INSERT TO sales_manager WITH CHECK ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY insert_manager ON product_feedback; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_manager ON app.product_feedback IS 'Managers write the samples of every lead of their tenant.';

--
-- Name: protection_overrides insert_manager; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_manager ON app.protection_overrides FOR INSERT TO sales_manager WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (created_by = ( SELECT app.current_user_id() AS current_user_id)) AND (EXISTS ( SELECT
   FROM app.leads l
  WHERE ((l.id = protection_overrides.lead_id) AND (l.tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (l.assignment_id = l.assignment_id)))) AND (until > ( SELECT app.now() AS now)) AND (until <= (( SELECT app.now() AS now) + '2 years'::interval))));

--
-- Name: POLICY insert_manager ON protection_overrides; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_manager ON app.protection_overrides IS 'Managers override the current cycle of leads of their tenant, at most two years ahead.';

--
-- Name: sample_box_items insert_manager; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_manager ON app.sample_box_items FOR INSERT TO sales_manager WITH CHECK ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY insert_manager ON sample_box_items; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_manager ON app.sample_box_items IS 'Managers write the samples of every lead of their tenant.';

--
-- Name: sample_boxes insert_manager; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_manager ON app.sample_boxes FOR INSERT TO sales_manager WITH CHECK ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY insert_manager ON sample_boxes; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_manager ON app.sample_boxes IS 'Managers write the samples of every lead of their tenant.';

--
-- Name: test_phases insert_manager; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_manager ON app.test_phases FOR INSERT TO sales_manager WITH CHECK ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY insert_manager ON test_phases; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_manager ON app.test_phases IS 'Managers write the samples of every lead of their tenant.';

--
-- Name: test_results insert_manager; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_manager ON app.test_results FOR INSERT TO sales_manager WITH CHECK ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY insert_manager ON test_results; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_manager ON app.test_results IS 'Managers write the samples of every lead of their tenant.';

--
-- Name: lead_details insert_own; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_own ON app.lead_details FOR INSERT TO sales_rep, sales_manager WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (EXISTS ( SELECT
   FROM app.leads l
  WHERE ((l.id = lead_details.lead_id) AND (l.created_by = ( SELECT app.current_user_id() AS current_user_id)) AND (l.owner_id IS NULL))))));

--
-- Name: POLICY insert_own ON lead_details; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_own ON app.lead_details IS 'Details are written with the registration, by the registering user, before ownership starts.';

--
-- Name: leads insert_own; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_own ON app.leads FOR INSERT TO sales_rep, sales_manager WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (created_by = ( SELECT app.current_user_id() AS current_user_id))));

--
-- Name: POLICY insert_own ON leads; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_own ON app.leads IS 'Reps and managers register leads in their tenant, as themselves.';

--
-- Name: collaborators insert_owner; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_owner ON app.collaborators FOR INSERT TO sales_rep WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (added_by = ( SELECT app.current_user_id() AS current_user_id)) AND (EXISTS ( SELECT
   FROM app.leads l
  WHERE ((l.id = collaborators.lead_id) AND (l.owner_id = ( SELECT app.current_user_id() AS current_user_id))))) AND app.rep_can_read(lead_id) AND (EXISTS ( SELECT
   FROM app.users u
  WHERE ((u.id = collaborators.user_id) AND u.active)))));

--
-- Name: POLICY insert_owner ON collaborators; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_owner ON app.collaborators IS 'The owner adds colleagues of the tenant as collaborators while the lead is ACTIVE or GRACE.';

--
-- Name: extension_requests insert_owner; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_owner ON app.extension_requests FOR INSERT TO sales_rep WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (requested_by = ( SELECT app.current_user_id() AS current_user_id)) AND (state = 'PENDING'::text) AND app.rep_can_read(lead_id) AND (EXISTS ( SELECT
   FROM app.leads l
  WHERE ((l.id = extension_requests.lead_id) AND (l.owner_id = ( SELECT app.current_user_id() AS current_user_id)) AND (l.assignment_id = l.assignment_id))))));

--
-- Name: POLICY insert_owner ON extension_requests; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_owner ON app.extension_requests IS 'The owner asks for an extension while ACTIVE or GRACE.';

--
-- Name: holds insert_owner; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_owner ON app.holds FOR INSERT TO sales_rep WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (requested_by = ( SELECT app.current_user_id() AS current_user_id)) AND app.rep_can_read(lead_id) AND (EXISTS ( SELECT
   FROM app.leads l
  WHERE ((l.id = holds.lead_id) AND (l.owner_id = ( SELECT app.current_user_id() AS current_user_id)) AND (l.assignment_id = l.assignment_id)))) AND ((state = 'PENDING'::text) OR ((state = 'APPROVED'::text) AND (reason ~~ 'FFZ\_%'::text))) AND (start_at <= ( SELECT app.now() AS now)) AND (start_at >= (( SELECT app.now() AS now) - '30 days'::interval))));

--
-- Name: POLICY insert_owner ON holds; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_owner ON app.holds IS 'The owner adds holds while the lead is ACTIVE or GRACE; only FreshFoodz-caused holds are approved on creation, the others wait for a manager.';

--
-- Name: product_feedback insert_owner; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_owner ON app.product_feedback FOR INSERT TO sales_rep WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_owns_live_lead(lead_id)));

--
-- Name: POLICY insert_owner ON product_feedback; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_owner ON app.product_feedback IS 'The owner writes the samples of their lead while it is ACTIVE or GRACE.';

--
-- Name: sample_box_items insert_owner; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_owner ON app.sample_box_items FOR INSERT TO sales_rep WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_owns_live_lead(lead_id)));

--
-- Name: POLICY insert_owner ON sample_box_items; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_owner ON app.sample_box_items IS 'The owner writes the samples of their lead while it is ACTIVE or GRACE.';

--
-- Name: sample_boxes insert_owner; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_owner ON app.sample_boxes FOR INSERT TO sales_rep WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_owns_live_lead(lead_id)));

--
-- Name: POLICY insert_owner ON sample_boxes; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_owner ON app.sample_boxes IS 'The owner writes the samples of their lead while it is ACTIVE or GRACE.';

--
-- Name: test_phases insert_owner; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_owner ON app.test_phases FOR INSERT TO sales_rep WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_owns_live_lead(lead_id)));

--
-- Name: POLICY insert_owner ON test_phases; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_owner ON app.test_phases IS 'The owner writes the samples of their lead while it is ACTIVE or GRACE.';

--
-- Name: test_results insert_owner; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_owner ON app.test_results FOR INSERT TO sales_rep WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_owns_live_lead(lead_id)));

--
-- Name: POLICY insert_owner ON test_results; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_owner ON app.test_results IS 'The owner writes the samples of their lead while it is ACTIVE or GRACE.';

--
-- Name: activities insert_worker; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY insert_worker ON app.activities FOR INSERT TO sales_rep WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (created_by = ( SELECT app.current_user_id() AS current_user_id)) AND app.rep_can_read(lead_id) AND ((EXISTS ( SELECT
   FROM app.leads l
  WHERE ((l.id = activities.lead_id) AND (l.owner_id = ( SELECT app.current_user_id() AS current_user_id))))) OR (app_private.collaborator_role(lead_id) = ANY (ARRAY['ASSIST'::text, 'NEGOTIATE'::text]))) AND (EXISTS ( SELECT
   FROM app.leads l
  WHERE ((l.id = activities.lead_id) AND (l.assignment_id = l.assignment_id) AND (activities.occurred_at >= l.registered_at) AND (activities.occurred_at <= (( SELECT app.now() AS now) + '00:05:00'::interval)))))));

--
-- Name: POLICY insert_worker ON activities; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY insert_worker ON app.activities IS 'The owner and ASSIST/NEGOTIATE collaborators log activities while the lead is ACTIVE or GRACE.';

--
-- Name: job_heartbeats; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.job_heartbeats ENABLE ROW LEVEL SECURITY;

--
-- Name: job_kinds; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.job_kinds ENABLE ROW LEVEL SECURITY;

--
-- Name: jobs; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.jobs ENABLE ROW LEVEL SECURITY;

--
-- Name: kpi_daily; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.kpi_daily ENABLE ROW LEVEL SECURITY;

--
-- Name: kpi_rep_weekly; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.kpi_rep_weekly ENABLE ROW LEVEL SECURITY;

--
-- Name: lead_assignments; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.lead_assignments ENABLE ROW LEVEL SECURITY;

--
-- Name: lead_details; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.lead_details ENABLE ROW LEVEL SECURITY;

--
-- Name: leads; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.leads ENABLE ROW LEVEL SECURITY;

--
-- Name: mailbox_quotas; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.mailbox_quotas ENABLE ROW LEVEL SECURITY;

--
-- Name: notifications; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.notifications ENABLE ROW LEVEL SECURITY;

--
-- Name: orgs; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.orgs ENABLE ROW LEVEL SECURITY;

--
-- Name: product_feedback; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.product_feedback ENABLE ROW LEVEL SECURITY;

--
-- Name: products; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.products ENABLE ROW LEVEL SECURITY;

--
-- Name: protection_configs; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.protection_configs ENABLE ROW LEVEL SECURITY;

--
-- Name: protection_notices; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.protection_notices ENABLE ROW LEVEL SECURITY;

--
-- Name: protection_overrides; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.protection_overrides ENABLE ROW LEVEL SECURITY;

--
-- Name: sales_orders; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.sales_orders ENABLE ROW LEVEL SECURITY;

--
-- Name: sample_box_items; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.sample_box_items ENABLE ROW LEVEL SECURITY;

--
-- Name: sample_boxes; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.sample_boxes ENABLE ROW LEVEL SECURITY;

--
-- Name: connector_states select_admin; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_admin ON app.connector_states FOR SELECT TO tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_admin ON connector_states; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_admin ON app.connector_states IS 'Tenant admins read their tenant''s connector state.';

--
-- Name: job_heartbeats select_admin; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_admin ON app.job_heartbeats FOR SELECT TO tenant_admin, svc_api USING (true);

--
-- Name: POLICY select_admin ON job_heartbeats; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_admin ON app.job_heartbeats IS 'Admins and the health endpoint read the heartbeats.';

--
-- Name: jobs select_admin; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_admin ON app.jobs FOR SELECT TO tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_admin ON jobs; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_admin ON app.jobs IS 'Tenant admins see their jobs, including parked ones.';

--
-- Name: mailbox_quotas select_admin; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_admin ON app.mailbox_quotas FOR SELECT TO tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_admin ON mailbox_quotas; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_admin ON app.mailbox_quotas IS 'Tenant admins read their mailbox''s quota.';

--
-- Name: ai_calibrations select_all; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_all ON app.ai_calibrations FOR SELECT TO sales_manager, auditor, tenant_admin, svc_api USING (true);

--
-- Name: POLICY select_all ON ai_calibrations; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_all ON app.ai_calibrations IS 'Calibrations concern models, not tenants: readable by the service and by who sees AI costs.';

--
-- Name: ai_model_prices select_all; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_all ON app.ai_model_prices FOR SELECT TO sales_manager, auditor, tenant_admin, svc_api USING (true);

--
-- Name: POLICY select_all ON ai_model_prices; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_all ON app.ai_model_prices IS 'The price list is the same for everybody who may see costs.';

--
-- Name: clock_override select_all; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_all ON app.clock_override FOR SELECT TO sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs USING (true);

--
-- Name: POLICY select_all ON clock_override; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_all ON app.clock_override IS 'Every runtime role reads the override, because app.now() runs with its privileges.';

--
-- Name: connectors select_all; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_all ON app.connectors FOR SELECT TO tenant_admin, svc_api, svc_jobs USING (true);

--
-- Name: POLICY select_all ON connectors; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_all ON app.connectors IS 'Installation facts: the service, the workers and admins read them.';

--
-- Name: job_kinds select_all; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_all ON app.job_kinds FOR SELECT TO tenant_admin, svc_jobs USING (true);

--
-- Name: POLICY select_all ON job_kinds; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_all ON app.job_kinds IS 'Admins and workers read the kinds of job.';

--
-- Name: protection_configs select_all; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_all ON app.protection_configs FOR SELECT TO svc_jobs USING (true);

--
-- Name: POLICY select_all ON protection_configs; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_all ON app.protection_configs IS 'Jobs work across tenants.';

--
-- Name: settings_registry select_all; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_all ON app.settings_registry FOR SELECT TO sales_rep, sales_manager, auditor, tenant_admin, svc_jobs USING (true);

--
-- Name: POLICY select_all ON settings_registry; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_all ON app.settings_registry IS 'The registry is the same for everybody.';

--
-- Name: inbound_mails select_manager; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_manager ON app.inbound_mails FOR SELECT TO sales_manager USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_manager ON inbound_mails; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_manager ON app.inbound_mails IS 'Managers read the tenant''s inbound mails (reps see a matched one as an EMAIL_RECEIVED activity).';

--
-- Name: ai_calls select_own; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_own ON app.ai_calls FOR SELECT TO sales_rep USING (((user_id = ( SELECT app.current_user_id() AS current_user_id)) AND (tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id))));

--
-- Name: POLICY select_own ON ai_calls; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_own ON app.ai_calls IS 'A rep sees their own AI calls.';

--
-- Name: notifications select_own; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_own ON app.notifications FOR SELECT TO sales_rep, sales_manager, auditor, tenant_admin USING (((user_id = ( SELECT app.current_user_id() AS current_user_id)) AND (tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id))));

--
-- Name: POLICY select_own ON notifications; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_own ON app.notifications IS 'Everybody reads only their own notifications.';

--
-- Name: tenants select_own; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_own ON app.tenants FOR SELECT TO sales_rep, sales_manager, auditor, tenant_admin USING ((id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_own ON tenants; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_own ON app.tenants IS 'A user sees only their own tenant.';

--
-- Name: ai_budget_months select_own_org; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_own_org ON app.ai_budget_months FOR SELECT TO sales_rep USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id))));

--
-- Name: POLICY select_own_org ON ai_budget_months; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_own_org ON app.ai_budget_months IS 'A rep sees the budget of their own organisation.';

--
-- Name: ai_reservations select_own_org; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_own_org ON app.ai_reservations FOR SELECT TO sales_rep USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id))));

--
-- Name: POLICY select_own_org ON ai_reservations; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_own_org ON app.ai_reservations IS 'A rep sees what is reserved in their own organisation.';

--
-- Name: activities select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.activities FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON activities; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.activities IS 'A rep reads activities of leads they may read in full.';

--
-- Name: audit_log select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.audit_log FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (lead_id IS NOT NULL) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON audit_log; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.audit_log IS 'A rep reads entries about leads they may read in full.';

--
-- Name: collaborators select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.collaborators FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON collaborators; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.collaborators IS 'A rep reads the collaborators of leads they may read in full.';

--
-- Name: credit_checks select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.credit_checks FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON credit_checks; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.credit_checks IS 'Reps read the credit checks of the leads they own or collaborate on.';

--
-- Name: credit_limit_requests select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.credit_limit_requests FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON credit_limit_requests; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.credit_limit_requests IS 'Reps read the credit checks of the leads they own or collaborate on.';

--
-- Name: extension_requests select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.extension_requests FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON extension_requests; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.extension_requests IS 'A rep reads requests of leads they may read in full.';

--
-- Name: feedback_submissions select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.feedback_submissions FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON feedback_submissions; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.feedback_submissions IS 'Owners and collaborators read the samples of leads that are ACTIVE or GRACE.';

--
-- Name: holds select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.holds FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON holds; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.holds IS 'A rep reads holds of leads they may read in full.';

--
-- Name: inbound_mails select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.inbound_mails FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (lead_id IS NOT NULL) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON inbound_mails; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.inbound_mails IS 'Reps read the mails matched to the leads they own or collaborate on (never an unmatched one).';

--
-- Name: lead_assignments select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.lead_assignments FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON lead_assignments; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.lead_assignments IS 'A rep reads the ownership history of leads they may read in full.';

--
-- Name: lead_details select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.lead_details FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON lead_details; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.lead_details IS 'A rep reads contact data of leads they own or collaborate on while ACTIVE or GRACE.';

--
-- Name: product_feedback select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.product_feedback FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON product_feedback; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.product_feedback IS 'Owners and collaborators read the samples of leads that are ACTIVE or GRACE.';

--
-- Name: sales_orders select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.sales_orders FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON sales_orders; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.sales_orders IS 'Reps read the orders of the leads they own or collaborate on.';

--
-- Name: sample_box_items select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.sample_box_items FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON sample_box_items; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.sample_box_items IS 'Owners and collaborators read the samples of leads that are ACTIVE or GRACE.';

--
-- Name: sample_boxes select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.sample_boxes FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON sample_boxes; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.sample_boxes IS 'Owners and collaborators read the samples of leads that are ACTIVE or GRACE.';

--
-- Name: test_phases select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.test_phases FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON test_phases; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.test_phases IS 'Owners and collaborators read the samples of leads that are ACTIVE or GRACE.';

--
-- Name: test_results select_readable; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_readable ON app.test_results FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON test_results; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_readable ON app.test_results IS 'Owners and collaborators read the samples of leads that are ACTIVE or GRACE.';

--
-- Name: activities select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.activities FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON activities; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.activities IS 'Managers, auditors and admins read all activities of the tenant.';

--
-- Name: activity_kinds select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.activity_kinds FOR SELECT TO sales_rep, sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON activity_kinds; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.activity_kinds IS 'Everybody reads the kinds of their tenant.';

--
-- Name: ai_budget_months select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.ai_budget_months FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON ai_budget_months; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.ai_budget_months IS 'Managers, auditors and admins see every organisation of their tenant.';

--
-- Name: ai_calls select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.ai_calls FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON ai_calls; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.ai_calls IS 'Managers, auditors and admins see every AI call of their tenant.';

--
-- Name: ai_reservations select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.ai_reservations FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON ai_reservations; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.ai_reservations IS 'Managers, auditors and admins see the reservations of their tenant.';

--
-- Name: alert_states select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.alert_states FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON alert_states; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.alert_states IS 'Managers, auditors and admins read their tenant''s alerts.';

--
-- Name: audit_log select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.audit_log FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON audit_log; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.audit_log IS 'Managers, auditors and admins read every entry of their tenant.';

--
-- Name: collaborators select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.collaborators FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON collaborators; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.collaborators IS 'Managers, auditors and admins read all collaborators.';

--
-- Name: credit_checks select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.credit_checks FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON credit_checks; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.credit_checks IS 'Managers, auditors and admins read the tenant''s credit checks.';

--
-- Name: credit_limit_requests select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.credit_limit_requests FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON credit_limit_requests; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.credit_limit_requests IS 'Managers, auditors and admins read the tenant''s credit checks.';

--
-- Name: extension_requests select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.extension_requests FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON extension_requests; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.extension_requests IS 'Managers, auditors and admins read all requests.';

--
-- Name: feedback_submissions select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.feedback_submissions FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON feedback_submissions; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.feedback_submissions IS 'Managers, auditors and admins read the samples of their tenant.';

--
-- Name: holds select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.holds FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON holds; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.holds IS 'Managers, auditors and admins read all holds.';

--
-- Name: kpi_daily select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.kpi_daily FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON kpi_daily; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.kpi_daily IS 'Managers, auditors and admins read their tenant''s KPIs.';

--
-- Name: lead_assignments select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.lead_assignments FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON lead_assignments; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.lead_assignments IS 'Managers, auditors and admins read all ownership history.';

--
-- Name: lead_details select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.lead_details FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON lead_details; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.lead_details IS 'Managers, auditors and admins read all contact data of the tenant.';

--
-- Name: leads select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.leads FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON leads; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.leads IS 'Managers, auditors and admins read every lead of their tenant.';

--
-- Name: orgs select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.orgs FOR SELECT TO sales_rep, sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON orgs; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.orgs IS 'A user sees the organisations of their tenant.';

--
-- Name: product_feedback select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.product_feedback FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON product_feedback; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.product_feedback IS 'Managers, auditors and admins read the samples of their tenant.';

--
-- Name: products select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.products FOR SELECT TO sales_rep, sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON products; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.products IS 'Everybody reads the catalogue of their tenant.';

--
-- Name: protection_configs select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.protection_configs FOR SELECT TO sales_rep, sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON protection_configs; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.protection_configs IS 'Users read their tenant''s configuration.';

--
-- Name: protection_notices select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.protection_notices FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON protection_notices; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.protection_notices IS 'Managers, auditors and admins see the tenant''s notices.';

--
-- Name: protection_overrides select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.protection_overrides FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON protection_overrides; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.protection_overrides IS 'Managers, auditors and admins read overrides.';

--
-- Name: sales_orders select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.sales_orders FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON sales_orders; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.sales_orders IS 'Managers, auditors and admins read the tenant''s orders.';

--
-- Name: sample_box_items select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.sample_box_items FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON sample_box_items; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.sample_box_items IS 'Managers, auditors and admins read the samples of their tenant.';

--
-- Name: sample_boxes select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.sample_boxes FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON sample_boxes; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.sample_boxes IS 'Managers, auditors and admins read the samples of their tenant.';

--
-- Name: settings_values select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.settings_values FOR SELECT TO sales_manager, auditor, tenant_admin USING (((tenant_id IS NULL) OR (tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id))));

--
-- Name: POLICY select_tenant ON settings_values; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.settings_values IS 'Managers, auditors and admins read global values and every value of their tenant.';

--
-- Name: test_phases select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.test_phases FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON test_phases; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.test_phases IS 'Managers, auditors and admins read the samples of their tenant.';

--
-- Name: test_results select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.test_results FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON test_results; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.test_results IS 'Managers, auditors and admins read the samples of their tenant.';

--
-- Name: users select_tenant; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_tenant ON app.users FOR SELECT TO sales_rep, sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON users; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_tenant ON app.users IS 'A user sees the users of their tenant.';

--
-- Name: leads select_visible; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_visible ON app.leads FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND ((owner_id IS NULL) OR (owner_id = ( SELECT app.current_user_id() AS current_user_id)) OR (id IN ( SELECT app_private.my_collaborations() AS my_collaborations)))));

--
-- Name: POLICY select_visible ON leads; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_visible ON app.leads IS 'A rep reads their own and collaborated leads and the pool (never owned or released); another rep''s lead is invisible until it is released. Contact data and history of a lead need more: an ACTIVE or GRACE protection (app.rep_can_read). No status is computed here, so a rep''s list uses the owner index.';

--
-- Name: settings_values select_visible; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_visible ON app.settings_values FOR SELECT TO sales_rep USING (((tenant_id IS NULL) OR ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND ((scope = 'tenant'::text) OR ((scope = 'org'::text) AND (target_id = ( SELECT app.current_org_id() AS current_org_id))) OR ((scope = 'user'::text) AND (target_id = ( SELECT app.current_user_id() AS current_user_id)))))));

--
-- Name: POLICY select_visible ON settings_values; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_visible ON app.settings_values IS 'A rep reads global and tenant values, their organisation''s and their own.';

--
-- Name: jobs select_worker; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY select_worker ON app.jobs FOR SELECT TO svc_jobs USING (true);

--
-- Name: POLICY select_worker ON jobs; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY select_worker ON app.jobs IS 'Workers read every job; they change jobs only through the lifecycle functions.';

--
-- Name: settings_registry; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.settings_registry ENABLE ROW LEVEL SECURITY;

--
-- Name: settings_values; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.settings_values ENABLE ROW LEVEL SECURITY;

--
-- Name: tenants; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.tenants ENABLE ROW LEVEL SECURITY;

--
-- Name: test_phases; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.test_phases ENABLE ROW LEVEL SECURITY;

--
-- Name: test_results; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.test_results ENABLE ROW LEVEL SECURITY;

--
-- Name: activity_kinds update_admin; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY update_admin ON app.activity_kinds FOR UPDATE TO tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id))) WITH CHECK ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY update_admin ON activity_kinds; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY update_admin ON app.activity_kinds IS 'Tenant admins change the progress flag of their tenant''s kinds.';

--
-- Name: settings_values update_admin; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY update_admin ON app.settings_values FOR UPDATE TO tenant_admin USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (scope <> 'global'::text))) WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND (scope <> 'global'::text)));

--
-- Name: POLICY update_admin ON settings_values; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY update_admin ON app.settings_values IS 'A tenant admin changes values of their own tenant only.';

--
-- Name: users update_admin; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY update_admin ON app.users FOR UPDATE TO tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id))) WITH CHECK ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY update_admin ON users; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY update_admin ON app.users IS 'A tenant admin changes users of their own tenant only.';

--
-- Name: extension_requests update_manager; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY update_manager ON app.extension_requests FOR UPDATE TO sales_manager USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id))) WITH CHECK ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY update_manager ON extension_requests; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY update_manager ON app.extension_requests IS 'Managers decide requests of their tenant.';

--
-- Name: holds update_manager; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY update_manager ON app.holds FOR UPDATE TO sales_manager USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id))) WITH CHECK ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY update_manager ON holds; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY update_manager ON app.holds IS 'Managers end and decide holds of their tenant.';

--
-- Name: test_results update_manager; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY update_manager ON app.test_results FOR UPDATE TO sales_manager USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id))) WITH CHECK ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY update_manager ON test_results; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY update_manager ON app.test_results IS 'Managers write the samples of every lead of their tenant.';

--
-- Name: notifications update_own; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY update_own ON app.notifications FOR UPDATE TO sales_rep, sales_manager, auditor, tenant_admin USING (((user_id = ( SELECT app.current_user_id() AS current_user_id)) AND (tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)))) WITH CHECK ((user_id = ( SELECT app.current_user_id() AS current_user_id)));

--
-- Name: POLICY update_own ON notifications; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY update_own ON app.notifications IS 'Everybody marks only their own notifications read.';

--
-- Name: holds update_owner; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY update_owner ON app.holds FOR UPDATE TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id) AND (EXISTS ( SELECT
   FROM app.leads l
  WHERE ((l.id = holds.lead_id) AND (l.owner_id = ( SELECT app.current_user_id() AS current_user_id))))))) WITH CHECK ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY update_owner ON holds; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY update_owner ON app.holds IS 'The owner ends holds of their lead while it is ACTIVE or GRACE.';

--
-- Name: test_results update_owner; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY update_owner ON app.test_results FOR UPDATE TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_owns_live_lead(lead_id))) WITH CHECK (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_owns_live_lead(lead_id)));

--
-- Name: POLICY update_owner ON test_results; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY update_owner ON app.test_results IS 'The owner writes the samples of their lead while it is ACTIVE or GRACE.';

--
-- Name: users; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.users ENABLE ROW LEVEL SECURITY;

--
-- Name: worker_heartbeats worker_all; Type: POLICY; Schema: app; Owner: -
--

CREATE POLICY worker_all ON app.worker_heartbeats TO svc_jobs USING (true) WITH CHECK (true);

--
-- Name: POLICY worker_all ON worker_heartbeats; Type: COMMENT; Schema: app; Owner: -
--

COMMENT ON POLICY worker_all ON app.worker_heartbeats IS 'Workers write their own heartbeats.';

--
-- Name: worker_heartbeats; Type: ROW SECURITY; Schema: app; Owner: -
--

ALTER TABLE app.worker_heartbeats ENABLE ROW LEVEL SECURITY;

--
-- Name: feedback_tokens; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.feedback_tokens ENABLE ROW LEVEL SECURITY;

--
-- Name: feedback_tokens select_readable; Type: POLICY; Schema: app_private; Owner: -
--

CREATE POLICY select_readable ON app_private.feedback_tokens FOR SELECT TO sales_rep USING (((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)) AND app.rep_can_read(lead_id)));

--
-- Name: POLICY select_readable ON feedback_tokens; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON POLICY select_readable ON app_private.feedback_tokens IS 'Owners and collaborators read the samples of leads that are ACTIVE or GRACE.';

--
-- Name: feedback_tokens select_tenant; Type: POLICY; Schema: app_private; Owner: -
--

CREATE POLICY select_tenant ON app_private.feedback_tokens FOR SELECT TO sales_manager, auditor, tenant_admin USING ((tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id)));

--
-- Name: POLICY select_tenant ON feedback_tokens; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON POLICY select_tenant ON app_private.feedback_tokens IS 'Managers, auditors and admins read the samples of their tenant.';

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
GRANT USAGE ON SCHEMA app TO svc_jobs;

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
-- Name: TYPE similar_lead; Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON TYPE app.similar_lead FROM PUBLIC;
GRANT ALL ON TYPE app.similar_lead TO sales_rep;
GRANT ALL ON TYPE app.similar_lead TO sales_manager;
GRANT ALL ON TYPE app.similar_lead TO auditor;
GRANT ALL ON TYPE app.similar_lead TO tenant_admin;

--
-- Name: TYPE test_phase_link; Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON TYPE app.test_phase_link FROM PUBLIC;
GRANT ALL ON TYPE app.test_phase_link TO sales_rep;
GRANT ALL ON TYPE app.test_phase_link TO sales_manager;
GRANT ALL ON TYPE app.test_phase_link TO auditor;
GRANT ALL ON TYPE app.test_phase_link TO tenant_admin;

--
-- Name: FUNCTION normalize_company_name(p_name text); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.normalize_company_name(p_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.normalize_company_name(p_name text) TO sales_rep;
GRANT ALL ON FUNCTION app.normalize_company_name(p_name text) TO sales_manager;
GRANT ALL ON FUNCTION app.normalize_company_name(p_name text) TO auditor;
GRANT ALL ON FUNCTION app.normalize_company_name(p_name text) TO tenant_admin;
GRANT ALL ON FUNCTION app.normalize_company_name(p_name text) TO svc_jobs;

--
-- Name: FUNCTION normalize_postal_code(p_postal_code text); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.normalize_postal_code(p_postal_code text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.normalize_postal_code(p_postal_code text) TO sales_rep;
GRANT ALL ON FUNCTION app.normalize_postal_code(p_postal_code text) TO sales_manager;
GRANT ALL ON FUNCTION app.normalize_postal_code(p_postal_code text) TO auditor;
GRANT ALL ON FUNCTION app.normalize_postal_code(p_postal_code text) TO tenant_admin;
GRANT ALL ON FUNCTION app.normalize_postal_code(p_postal_code text) TO svc_jobs;

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
-- Name: FUNCTION protection_deadlines(p_registered_at timestamp with time zone, p_anchor_at timestamp with time zone, p_held_since_anchor interval, p_held_since_registration interval, p_hold_start timestamp with time zone, p_hold_end timestamp with time zone, p_hold_reason text, p_extension_days integer, p_override_until timestamp with time zone, p_timezone text, p_progress_days integer, p_warning_days integer, p_grace_days integer, p_base_months integer, p_mode text, p_hold_max_days jsonb, p_at timestamp with time zone); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.protection_deadlines(p_registered_at timestamp with time zone, p_anchor_at timestamp with time zone, p_held_since_anchor interval, p_held_since_registration interval, p_hold_start timestamp with time zone, p_hold_end timestamp with time zone, p_hold_reason text, p_extension_days integer, p_override_until timestamp with time zone, p_timezone text, p_progress_days integer, p_warning_days integer, p_grace_days integer, p_base_months integer, p_mode text, p_hold_max_days jsonb, p_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app.protection_deadlines(p_registered_at timestamp with time zone, p_anchor_at timestamp with time zone, p_held_since_anchor interval, p_held_since_registration interval, p_hold_start timestamp with time zone, p_hold_end timestamp with time zone, p_hold_reason text, p_extension_days integer, p_override_until timestamp with time zone, p_timezone text, p_progress_days integer, p_warning_days integer, p_grace_days integer, p_base_months integer, p_mode text, p_hold_max_days jsonb, p_at timestamp with time zone) TO sales_rep;
GRANT ALL ON FUNCTION app.protection_deadlines(p_registered_at timestamp with time zone, p_anchor_at timestamp with time zone, p_held_since_anchor interval, p_held_since_registration interval, p_hold_start timestamp with time zone, p_hold_end timestamp with time zone, p_hold_reason text, p_extension_days integer, p_override_until timestamp with time zone, p_timezone text, p_progress_days integer, p_warning_days integer, p_grace_days integer, p_base_months integer, p_mode text, p_hold_max_days jsonb, p_at timestamp with time zone) TO sales_manager;
GRANT ALL ON FUNCTION app.protection_deadlines(p_registered_at timestamp with time zone, p_anchor_at timestamp with time zone, p_held_since_anchor interval, p_held_since_registration interval, p_hold_start timestamp with time zone, p_hold_end timestamp with time zone, p_hold_reason text, p_extension_days integer, p_override_until timestamp with time zone, p_timezone text, p_progress_days integer, p_warning_days integer, p_grace_days integer, p_base_months integer, p_mode text, p_hold_max_days jsonb, p_at timestamp with time zone) TO auditor;
GRANT ALL ON FUNCTION app.protection_deadlines(p_registered_at timestamp with time zone, p_anchor_at timestamp with time zone, p_held_since_anchor interval, p_held_since_registration interval, p_hold_start timestamp with time zone, p_hold_end timestamp with time zone, p_hold_reason text, p_extension_days integer, p_override_until timestamp with time zone, p_timezone text, p_progress_days integer, p_warning_days integer, p_grace_days integer, p_base_months integer, p_mode text, p_hold_max_days jsonb, p_at timestamp with time zone) TO tenant_admin;
GRANT ALL ON FUNCTION app.protection_deadlines(p_registered_at timestamp with time zone, p_anchor_at timestamp with time zone, p_held_since_anchor interval, p_held_since_registration interval, p_hold_start timestamp with time zone, p_hold_end timestamp with time zone, p_hold_reason text, p_extension_days integer, p_override_until timestamp with time zone, p_timezone text, p_progress_days integer, p_warning_days integer, p_grace_days integer, p_base_months integer, p_mode text, p_hold_max_days jsonb, p_at timestamp with time zone) TO svc_jobs;

--
-- Name: TABLE activities; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.activities TO sales_rep;
GRANT SELECT ON TABLE app.activities TO sales_manager;
GRANT SELECT ON TABLE app.activities TO auditor;
GRANT SELECT ON TABLE app.activities TO tenant_admin;

--
-- Name: COLUMN activities.tenant_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(tenant_id) ON TABLE app.activities TO sales_rep;

--
-- Name: COLUMN activities.lead_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(lead_id) ON TABLE app.activities TO sales_rep;

--
-- Name: COLUMN activities.assignment_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(assignment_id) ON TABLE app.activities TO sales_rep;

--
-- Name: COLUMN activities.kind; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(kind) ON TABLE app.activities TO sales_rep;

--
-- Name: COLUMN activities.occurred_at; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(occurred_at) ON TABLE app.activities TO sales_rep;

--
-- Name: COLUMN activities.note; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(note) ON TABLE app.activities TO sales_rep;

--
-- Name: COLUMN activities.created_by; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(created_by) ON TABLE app.activities TO sales_rep;

--
-- Name: TABLE activity_kinds; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.activity_kinds TO sales_rep;
GRANT SELECT ON TABLE app.activity_kinds TO sales_manager;
GRANT SELECT ON TABLE app.activity_kinds TO auditor;
GRANT SELECT ON TABLE app.activity_kinds TO tenant_admin;

--
-- Name: COLUMN activity_kinds.counts_as_progress; Type: ACL; Schema: app; Owner: -
--

GRANT UPDATE(counts_as_progress) ON TABLE app.activity_kinds TO tenant_admin;

--
-- Name: TABLE activities; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.activities TO sales_rep;
GRANT SELECT ON TABLE api.activities TO sales_manager;
GRANT SELECT ON TABLE api.activities TO auditor;
GRANT SELECT ON TABLE api.activities TO tenant_admin;

--
-- Name: TABLE lead_details; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.lead_details TO sales_rep;
GRANT SELECT ON TABLE app.lead_details TO sales_manager;
GRANT SELECT ON TABLE app.lead_details TO auditor;
GRANT SELECT ON TABLE app.lead_details TO tenant_admin;

--
-- Name: COLUMN lead_details.lead_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(lead_id) ON TABLE app.lead_details TO sales_rep;
GRANT INSERT(lead_id) ON TABLE app.lead_details TO sales_manager;

--
-- Name: COLUMN lead_details.tenant_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(tenant_id) ON TABLE app.lead_details TO sales_rep;
GRANT INSERT(tenant_id) ON TABLE app.lead_details TO sales_manager;

--
-- Name: COLUMN lead_details.street; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(street) ON TABLE app.lead_details TO sales_rep;
GRANT INSERT(street) ON TABLE app.lead_details TO sales_manager;

--
-- Name: COLUMN lead_details.country; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(country) ON TABLE app.lead_details TO sales_rep;
GRANT INSERT(country) ON TABLE app.lead_details TO sales_manager;

--
-- Name: COLUMN lead_details.vat_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(vat_id) ON TABLE app.lead_details TO sales_rep;
GRANT INSERT(vat_id) ON TABLE app.lead_details TO sales_manager;

--
-- Name: COLUMN lead_details.contact_name; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(contact_name) ON TABLE app.lead_details TO sales_rep;
GRANT INSERT(contact_name) ON TABLE app.lead_details TO sales_manager;

--
-- Name: COLUMN lead_details.contact_email; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(contact_email) ON TABLE app.lead_details TO sales_rep;
GRANT INSERT(contact_email) ON TABLE app.lead_details TO sales_manager;

--
-- Name: COLUMN lead_details.contact_phone; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(contact_phone) ON TABLE app.lead_details TO sales_rep;
GRANT INSERT(contact_phone) ON TABLE app.lead_details TO sales_manager;

--
-- Name: COLUMN lead_details.notes; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(notes) ON TABLE app.lead_details TO sales_rep;
GRANT INSERT(notes) ON TABLE app.lead_details TO sales_manager;

--
-- Name: TABLE leads; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.leads TO sales_rep;
GRANT SELECT ON TABLE app.leads TO sales_manager;
GRANT SELECT ON TABLE app.leads TO auditor;
GRANT SELECT ON TABLE app.leads TO tenant_admin;

--
-- Name: COLUMN leads.tenant_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(tenant_id) ON TABLE app.leads TO sales_rep;
GRANT INSERT(tenant_id) ON TABLE app.leads TO sales_manager;

--
-- Name: COLUMN leads.company_name; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(company_name) ON TABLE app.leads TO sales_rep;
GRANT INSERT(company_name) ON TABLE app.leads TO sales_manager;

--
-- Name: COLUMN leads.postal_code; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(postal_code) ON TABLE app.leads TO sales_rep;
GRANT INSERT(postal_code) ON TABLE app.leads TO sales_manager;

--
-- Name: COLUMN leads.city; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(city) ON TABLE app.leads TO sales_rep;
GRANT INSERT(city) ON TABLE app.leads TO sales_manager;

--
-- Name: COLUMN leads.vat_key; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(vat_key) ON TABLE app.leads TO sales_rep;
GRANT INSERT(vat_key) ON TABLE app.leads TO sales_manager;

--
-- Name: COLUMN leads.created_by; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(created_by) ON TABLE app.leads TO sales_rep;
GRANT INSERT(created_by) ON TABLE app.leads TO sales_manager;

--
-- Name: TABLE protection_configs; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.protection_configs TO sales_rep;
GRANT SELECT ON TABLE app.protection_configs TO sales_manager;
GRANT SELECT ON TABLE app.protection_configs TO auditor;
GRANT SELECT ON TABLE app.protection_configs TO tenant_admin;
GRANT SELECT ON TABLE app.protection_configs TO svc_jobs;

--
-- Name: TABLE lead_overview; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.lead_overview TO sales_rep;
GRANT SELECT ON TABLE app.lead_overview TO sales_manager;
GRANT SELECT ON TABLE app.lead_overview TO auditor;
GRANT SELECT ON TABLE app.lead_overview TO tenant_admin;

--
-- Name: TABLE leads; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.leads TO sales_rep;
GRANT SELECT ON TABLE api.leads TO sales_manager;
GRANT SELECT ON TABLE api.leads TO auditor;
GRANT SELECT ON TABLE api.leads TO tenant_admin;

--
-- Name: FUNCTION activities(api.leads); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.activities(api.leads) FROM PUBLIC;
GRANT ALL ON FUNCTION api.activities(api.leads) TO sales_rep;
GRANT ALL ON FUNCTION api.activities(api.leads) TO sales_manager;
GRANT ALL ON FUNCTION api.activities(api.leads) TO auditor;
GRANT ALL ON FUNCTION api.activities(api.leads) TO tenant_admin;

--
-- Name: TABLE collaborators; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT,DELETE ON TABLE app.collaborators TO sales_rep;
GRANT SELECT,DELETE ON TABLE app.collaborators TO sales_manager;
GRANT SELECT ON TABLE app.collaborators TO auditor;
GRANT SELECT ON TABLE app.collaborators TO tenant_admin;

--
-- Name: COLUMN collaborators.lead_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(lead_id) ON TABLE app.collaborators TO sales_rep;
GRANT INSERT(lead_id) ON TABLE app.collaborators TO sales_manager;

--
-- Name: COLUMN collaborators.user_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(user_id) ON TABLE app.collaborators TO sales_rep;
GRANT INSERT(user_id) ON TABLE app.collaborators TO sales_manager;

--
-- Name: COLUMN collaborators.tenant_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(tenant_id) ON TABLE app.collaborators TO sales_rep;
GRANT INSERT(tenant_id) ON TABLE app.collaborators TO sales_manager;

--
-- Name: COLUMN collaborators.role; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(role) ON TABLE app.collaborators TO sales_rep;
GRANT INSERT(role) ON TABLE app.collaborators TO sales_manager;

--
-- Name: COLUMN collaborators.added_by; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(added_by) ON TABLE app.collaborators TO sales_rep;
GRANT INSERT(added_by) ON TABLE app.collaborators TO sales_manager;

--
-- Name: TABLE collaborators; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.collaborators TO sales_rep;
GRANT SELECT ON TABLE api.collaborators TO sales_manager;
GRANT SELECT ON TABLE api.collaborators TO auditor;
GRANT SELECT ON TABLE api.collaborators TO tenant_admin;

--
-- Name: FUNCTION add_collaborator(lead_id uuid, user_id uuid, role text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.add_collaborator(lead_id uuid, user_id uuid, role text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.add_collaborator(lead_id uuid, user_id uuid, role text) TO sales_rep;
GRANT ALL ON FUNCTION api.add_collaborator(lead_id uuid, user_id uuid, role text) TO sales_manager;
GRANT ALL ON FUNCTION api.add_collaborator(lead_id uuid, user_id uuid, role text) TO auditor;
GRANT ALL ON FUNCTION api.add_collaborator(lead_id uuid, user_id uuid, role text) TO tenant_admin;

--
-- Name: TABLE holds; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.holds TO sales_rep;
GRANT SELECT ON TABLE app.holds TO sales_manager;
GRANT SELECT ON TABLE app.holds TO auditor;
GRANT SELECT ON TABLE app.holds TO tenant_admin;

--
-- Name: COLUMN holds.tenant_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(tenant_id) ON TABLE app.holds TO sales_rep;
GRANT INSERT(tenant_id) ON TABLE app.holds TO sales_manager;

--
-- Name: COLUMN holds.lead_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(lead_id) ON TABLE app.holds TO sales_rep;
GRANT INSERT(lead_id) ON TABLE app.holds TO sales_manager;

--
-- Name: COLUMN holds.assignment_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(assignment_id) ON TABLE app.holds TO sales_rep;
GRANT INSERT(assignment_id) ON TABLE app.holds TO sales_manager;

--
-- Name: COLUMN holds.reason; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(reason) ON TABLE app.holds TO sales_rep;
GRANT INSERT(reason) ON TABLE app.holds TO sales_manager;

--
-- Name: COLUMN holds.note; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(note) ON TABLE app.holds TO sales_rep;
GRANT INSERT(note) ON TABLE app.holds TO sales_manager;

--
-- Name: COLUMN holds.start_at; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(start_at) ON TABLE app.holds TO sales_rep;
GRANT INSERT(start_at) ON TABLE app.holds TO sales_manager;

--
-- Name: COLUMN holds.end_at; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(end_at),UPDATE(end_at) ON TABLE app.holds TO sales_rep;
GRANT INSERT(end_at),UPDATE(end_at) ON TABLE app.holds TO sales_manager;

--
-- Name: COLUMN holds.state; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(state) ON TABLE app.holds TO sales_rep;
GRANT INSERT(state),UPDATE(state) ON TABLE app.holds TO sales_manager;

--
-- Name: COLUMN holds.requested_by; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(requested_by) ON TABLE app.holds TO sales_rep;
GRANT INSERT(requested_by) ON TABLE app.holds TO sales_manager;

--
-- Name: COLUMN holds.decided_by; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(decided_by) ON TABLE app.holds TO sales_rep;
GRANT INSERT(decided_by),UPDATE(decided_by) ON TABLE app.holds TO sales_manager;

--
-- Name: COLUMN holds.decided_at; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(decided_at) ON TABLE app.holds TO sales_rep;
GRANT INSERT(decided_at),UPDATE(decided_at) ON TABLE app.holds TO sales_manager;

--
-- Name: COLUMN holds.decision_note; Type: ACL; Schema: app; Owner: -
--

GRANT UPDATE(decision_note) ON TABLE app.holds TO sales_manager;

--
-- Name: TABLE holds; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.holds TO sales_rep;
GRANT SELECT ON TABLE api.holds TO sales_manager;
GRANT SELECT ON TABLE api.holds TO auditor;
GRANT SELECT ON TABLE api.holds TO tenant_admin;

--
-- Name: FUNCTION add_hold(lead_id uuid, reason text, start_at timestamp with time zone, end_at timestamp with time zone, note text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.add_hold(lead_id uuid, reason text, start_at timestamp with time zone, end_at timestamp with time zone, note text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.add_hold(lead_id uuid, reason text, start_at timestamp with time zone, end_at timestamp with time zone, note text) TO sales_rep;
GRANT ALL ON FUNCTION api.add_hold(lead_id uuid, reason text, start_at timestamp with time zone, end_at timestamp with time zone, note text) TO sales_manager;
GRANT ALL ON FUNCTION api.add_hold(lead_id uuid, reason text, start_at timestamp with time zone, end_at timestamp with time zone, note text) TO auditor;
GRANT ALL ON FUNCTION api.add_hold(lead_id uuid, reason text, start_at timestamp with time zone, end_at timestamp with time zone, note text) TO tenant_admin;

--
-- Name: TABLE inbound_mails; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.inbound_mails TO sales_manager;
GRANT SELECT ON TABLE app.inbound_mails TO sales_rep;

--
-- Name: TABLE inbound_mails; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.inbound_mails TO sales_rep;
GRANT SELECT ON TABLE api.inbound_mails TO sales_manager;
GRANT SELECT ON TABLE api.inbound_mails TO auditor;
GRANT SELECT ON TABLE api.inbound_mails TO tenant_admin;

--
-- Name: FUNCTION assign_inbound_mail(mail_id uuid, lead_id uuid); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.assign_inbound_mail(mail_id uuid, lead_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION api.assign_inbound_mail(mail_id uuid, lead_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION api.assign_inbound_mail(mail_id uuid, lead_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION api.assign_inbound_mail(mail_id uuid, lead_id uuid) TO auditor;
GRANT ALL ON FUNCTION api.assign_inbound_mail(mail_id uuid, lead_id uuid) TO tenant_admin;

--
-- Name: TABLE audit_log; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.audit_log TO sales_rep;
GRANT SELECT ON TABLE app.audit_log TO sales_manager;
GRANT SELECT ON TABLE app.audit_log TO auditor;
GRANT SELECT ON TABLE app.audit_log TO tenant_admin;

--
-- Name: TABLE audit_log; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.audit_log TO sales_rep;
GRANT SELECT ON TABLE api.audit_log TO sales_manager;
GRANT SELECT ON TABLE api.audit_log TO auditor;
GRANT SELECT ON TABLE api.audit_log TO tenant_admin;

--
-- Name: FUNCTION audit_log(api.leads); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.audit_log(api.leads) FROM PUBLIC;
GRANT ALL ON FUNCTION api.audit_log(api.leads) TO sales_rep;
GRANT ALL ON FUNCTION api.audit_log(api.leads) TO sales_manager;
GRANT ALL ON FUNCTION api.audit_log(api.leads) TO auditor;
GRANT ALL ON FUNCTION api.audit_log(api.leads) TO tenant_admin;

--
-- Name: TABLE lead_protection; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.lead_protection TO sales_rep;
GRANT SELECT ON TABLE api.lead_protection TO sales_manager;
GRANT SELECT ON TABLE api.lead_protection TO auditor;
GRANT SELECT ON TABLE api.lead_protection TO tenant_admin;

--
-- Name: FUNCTION backdate_registration(lead_id uuid, registered_at timestamp with time zone, reason text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.backdate_registration(lead_id uuid, registered_at timestamp with time zone, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.backdate_registration(lead_id uuid, registered_at timestamp with time zone, reason text) TO sales_rep;
GRANT ALL ON FUNCTION api.backdate_registration(lead_id uuid, registered_at timestamp with time zone, reason text) TO sales_manager;
GRANT ALL ON FUNCTION api.backdate_registration(lead_id uuid, registered_at timestamp with time zone, reason text) TO auditor;
GRANT ALL ON FUNCTION api.backdate_registration(lead_id uuid, registered_at timestamp with time zone, reason text) TO tenant_admin;

--
-- Name: TABLE sales_orders; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.sales_orders TO sales_rep;
GRANT SELECT ON TABLE app.sales_orders TO sales_manager;
GRANT SELECT ON TABLE app.sales_orders TO auditor;
GRANT SELECT ON TABLE app.sales_orders TO tenant_admin;

--
-- Name: TABLE sales_orders; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.sales_orders TO sales_rep;
GRANT SELECT ON TABLE api.sales_orders TO sales_manager;
GRANT SELECT ON TABLE api.sales_orders TO auditor;
GRANT SELECT ON TABLE api.sales_orders TO tenant_admin;

--
-- Name: FUNCTION cancel_sales_order(order_id uuid); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.cancel_sales_order(order_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION api.cancel_sales_order(order_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION api.cancel_sales_order(order_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION api.cancel_sales_order(order_id uuid) TO auditor;
GRANT ALL ON FUNCTION api.cancel_sales_order(order_id uuid) TO tenant_admin;

--
-- Name: FUNCTION claim_lead(lead_id uuid); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.claim_lead(lead_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION api.claim_lead(lead_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION api.claim_lead(lead_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION api.claim_lead(lead_id uuid) TO auditor;
GRANT ALL ON FUNCTION api.claim_lead(lead_id uuid) TO tenant_admin;

--
-- Name: FUNCTION collaborators(api.leads); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.collaborators(api.leads) FROM PUBLIC;
GRANT ALL ON FUNCTION api.collaborators(api.leads) TO sales_rep;
GRANT ALL ON FUNCTION api.collaborators(api.leads) TO sales_manager;
GRANT ALL ON FUNCTION api.collaborators(api.leads) TO auditor;
GRANT ALL ON FUNCTION api.collaborators(api.leads) TO tenant_admin;

--
-- Name: FUNCTION create_sales_order(lead_id uuid, items jsonb, note text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.create_sales_order(lead_id uuid, items jsonb, note text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.create_sales_order(lead_id uuid, items jsonb, note text) TO sales_rep;
GRANT ALL ON FUNCTION api.create_sales_order(lead_id uuid, items jsonb, note text) TO sales_manager;
GRANT ALL ON FUNCTION api.create_sales_order(lead_id uuid, items jsonb, note text) TO auditor;
GRANT ALL ON FUNCTION api.create_sales_order(lead_id uuid, items jsonb, note text) TO tenant_admin;

--
-- Name: TABLE products; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.products TO sales_rep;
GRANT SELECT ON TABLE app.products TO sales_manager;
GRANT SELECT ON TABLE app.products TO auditor;
GRANT SELECT ON TABLE app.products TO tenant_admin;

--
-- Name: TABLE sample_box_items; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.sample_box_items TO sales_rep;
GRANT SELECT ON TABLE app.sample_box_items TO sales_manager;
GRANT SELECT ON TABLE app.sample_box_items TO auditor;
GRANT SELECT ON TABLE app.sample_box_items TO tenant_admin;

--
-- Name: COLUMN sample_box_items.box_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(box_id) ON TABLE app.sample_box_items TO sales_rep;
GRANT INSERT(box_id) ON TABLE app.sample_box_items TO sales_manager;

--
-- Name: COLUMN sample_box_items.tenant_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(tenant_id) ON TABLE app.sample_box_items TO sales_rep;
GRANT INSERT(tenant_id) ON TABLE app.sample_box_items TO sales_manager;

--
-- Name: COLUMN sample_box_items.lead_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(lead_id) ON TABLE app.sample_box_items TO sales_rep;
GRANT INSERT(lead_id) ON TABLE app.sample_box_items TO sales_manager;

--
-- Name: COLUMN sample_box_items.sku; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(sku) ON TABLE app.sample_box_items TO sales_rep;
GRANT INSERT(sku) ON TABLE app.sample_box_items TO sales_manager;

--
-- Name: COLUMN sample_box_items.qty; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(qty) ON TABLE app.sample_box_items TO sales_rep;
GRANT INSERT(qty) ON TABLE app.sample_box_items TO sales_manager;

--
-- Name: TABLE sample_boxes; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.sample_boxes TO sales_rep;
GRANT SELECT ON TABLE app.sample_boxes TO sales_manager;
GRANT SELECT ON TABLE app.sample_boxes TO auditor;
GRANT SELECT ON TABLE app.sample_boxes TO tenant_admin;

--
-- Name: COLUMN sample_boxes.id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(id) ON TABLE app.sample_boxes TO sales_rep;
GRANT INSERT(id) ON TABLE app.sample_boxes TO sales_manager;

--
-- Name: COLUMN sample_boxes.tenant_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(tenant_id) ON TABLE app.sample_boxes TO sales_rep;
GRANT INSERT(tenant_id) ON TABLE app.sample_boxes TO sales_manager;

--
-- Name: COLUMN sample_boxes.lead_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(lead_id) ON TABLE app.sample_boxes TO sales_rep;
GRANT INSERT(lead_id) ON TABLE app.sample_boxes TO sales_manager;

--
-- Name: COLUMN sample_boxes.configured_by; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(configured_by) ON TABLE app.sample_boxes TO sales_rep;
GRANT INSERT(configured_by) ON TABLE app.sample_boxes TO sales_manager;

--
-- Name: COLUMN sample_boxes.notes; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(notes) ON TABLE app.sample_boxes TO sales_rep;
GRANT INSERT(notes) ON TABLE app.sample_boxes TO sales_manager;

--
-- Name: TABLE sample_boxes; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.sample_boxes TO sales_rep;
GRANT SELECT ON TABLE api.sample_boxes TO sales_manager;
GRANT SELECT ON TABLE api.sample_boxes TO auditor;
GRANT SELECT ON TABLE api.sample_boxes TO tenant_admin;

--
-- Name: FUNCTION create_sample_box(lead_id uuid, items jsonb, notes text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.create_sample_box(lead_id uuid, items jsonb, notes text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.create_sample_box(lead_id uuid, items jsonb, notes text) TO sales_rep;
GRANT ALL ON FUNCTION api.create_sample_box(lead_id uuid, items jsonb, notes text) TO sales_manager;
GRANT ALL ON FUNCTION api.create_sample_box(lead_id uuid, items jsonb, notes text) TO auditor;
GRANT ALL ON FUNCTION api.create_sample_box(lead_id uuid, items jsonb, notes text) TO tenant_admin;

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
-- Name: TABLE extension_requests; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.extension_requests TO sales_rep;
GRANT SELECT ON TABLE app.extension_requests TO sales_manager;
GRANT SELECT ON TABLE app.extension_requests TO auditor;
GRANT SELECT ON TABLE app.extension_requests TO tenant_admin;

--
-- Name: COLUMN extension_requests.tenant_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(tenant_id) ON TABLE app.extension_requests TO sales_rep;

--
-- Name: COLUMN extension_requests.lead_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(lead_id) ON TABLE app.extension_requests TO sales_rep;

--
-- Name: COLUMN extension_requests.assignment_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(assignment_id) ON TABLE app.extension_requests TO sales_rep;

--
-- Name: COLUMN extension_requests.days; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(days) ON TABLE app.extension_requests TO sales_rep;

--
-- Name: COLUMN extension_requests.reason; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(reason) ON TABLE app.extension_requests TO sales_rep;

--
-- Name: COLUMN extension_requests.state; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(state) ON TABLE app.extension_requests TO sales_rep;
GRANT UPDATE(state) ON TABLE app.extension_requests TO sales_manager;

--
-- Name: COLUMN extension_requests.requested_by; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(requested_by) ON TABLE app.extension_requests TO sales_rep;

--
-- Name: COLUMN extension_requests.due_at; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(due_at) ON TABLE app.extension_requests TO sales_rep;

--
-- Name: COLUMN extension_requests.decided_by; Type: ACL; Schema: app; Owner: -
--

GRANT UPDATE(decided_by) ON TABLE app.extension_requests TO sales_manager;

--
-- Name: COLUMN extension_requests.decided_at; Type: ACL; Schema: app; Owner: -
--

GRANT UPDATE(decided_at) ON TABLE app.extension_requests TO sales_manager;

--
-- Name: COLUMN extension_requests.decision_note; Type: ACL; Schema: app; Owner: -
--

GRANT UPDATE(decision_note) ON TABLE app.extension_requests TO sales_manager;

--
-- Name: TABLE extension_requests; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.extension_requests TO sales_rep;
GRANT SELECT ON TABLE api.extension_requests TO sales_manager;
GRANT SELECT ON TABLE api.extension_requests TO auditor;
GRANT SELECT ON TABLE api.extension_requests TO tenant_admin;

--
-- Name: FUNCTION decide_extension(request_id uuid, approve boolean, note text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.decide_extension(request_id uuid, approve boolean, note text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.decide_extension(request_id uuid, approve boolean, note text) TO sales_rep;
GRANT ALL ON FUNCTION api.decide_extension(request_id uuid, approve boolean, note text) TO sales_manager;
GRANT ALL ON FUNCTION api.decide_extension(request_id uuid, approve boolean, note text) TO auditor;
GRANT ALL ON FUNCTION api.decide_extension(request_id uuid, approve boolean, note text) TO tenant_admin;

--
-- Name: FUNCTION decide_hold(hold_id uuid, approve boolean, note text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.decide_hold(hold_id uuid, approve boolean, note text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.decide_hold(hold_id uuid, approve boolean, note text) TO sales_rep;
GRANT ALL ON FUNCTION api.decide_hold(hold_id uuid, approve boolean, note text) TO sales_manager;
GRANT ALL ON FUNCTION api.decide_hold(hold_id uuid, approve boolean, note text) TO auditor;
GRANT ALL ON FUNCTION api.decide_hold(hold_id uuid, approve boolean, note text) TO tenant_admin;

--
-- Name: FUNCTION end_hold(hold_id uuid); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.end_hold(hold_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION api.end_hold(hold_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION api.end_hold(hold_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION api.end_hold(hold_id uuid) TO auditor;
GRANT ALL ON FUNCTION api.end_hold(hold_id uuid) TO tenant_admin;

--
-- Name: FUNCTION expire_now(lead_id uuid, reason text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.expire_now(lead_id uuid, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.expire_now(lead_id uuid, reason text) TO sales_rep;
GRANT ALL ON FUNCTION api.expire_now(lead_id uuid, reason text) TO sales_manager;
GRANT ALL ON FUNCTION api.expire_now(lead_id uuid, reason text) TO auditor;
GRANT ALL ON FUNCTION api.expire_now(lead_id uuid, reason text) TO tenant_admin;

--
-- Name: FUNCTION extension_requests(api.leads); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.extension_requests(api.leads) FROM PUBLIC;
GRANT ALL ON FUNCTION api.extension_requests(api.leads) TO sales_rep;
GRANT ALL ON FUNCTION api.extension_requests(api.leads) TO sales_manager;
GRANT ALL ON FUNCTION api.extension_requests(api.leads) TO auditor;
GRANT ALL ON FUNCTION api.extension_requests(api.leads) TO tenant_admin;

--
-- Name: FUNCTION find_similar_leads(company_name text, postal_code text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.find_similar_leads(company_name text, postal_code text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.find_similar_leads(company_name text, postal_code text) TO sales_rep;
GRANT ALL ON FUNCTION api.find_similar_leads(company_name text, postal_code text) TO sales_manager;
GRANT ALL ON FUNCTION api.find_similar_leads(company_name text, postal_code text) TO auditor;
GRANT ALL ON FUNCTION api.find_similar_leads(company_name text, postal_code text) TO tenant_admin;

--
-- Name: FUNCTION holds(api.leads); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.holds(api.leads) FROM PUBLIC;
GRANT ALL ON FUNCTION api.holds(api.leads) TO sales_rep;
GRANT ALL ON FUNCTION api.holds(api.leads) TO sales_manager;
GRANT ALL ON FUNCTION api.holds(api.leads) TO auditor;
GRANT ALL ON FUNCTION api.holds(api.leads) TO tenant_admin;

--
-- Name: FUNCTION lead_protection(api.leads); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.lead_protection(api.leads) FROM PUBLIC;
GRANT ALL ON FUNCTION api.lead_protection(api.leads) TO sales_rep;
GRANT ALL ON FUNCTION api.lead_protection(api.leads) TO sales_manager;
GRANT ALL ON FUNCTION api.lead_protection(api.leads) TO auditor;
GRANT ALL ON FUNCTION api.lead_protection(api.leads) TO tenant_admin;

--
-- Name: FUNCTION leads(api.activities); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.leads(api.activities) FROM PUBLIC;
GRANT ALL ON FUNCTION api.leads(api.activities) TO sales_rep;
GRANT ALL ON FUNCTION api.leads(api.activities) TO sales_manager;
GRANT ALL ON FUNCTION api.leads(api.activities) TO auditor;
GRANT ALL ON FUNCTION api.leads(api.activities) TO tenant_admin;

--
-- Name: FUNCTION leads(api.audit_log); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.leads(api.audit_log) FROM PUBLIC;
GRANT ALL ON FUNCTION api.leads(api.audit_log) TO sales_rep;
GRANT ALL ON FUNCTION api.leads(api.audit_log) TO sales_manager;
GRANT ALL ON FUNCTION api.leads(api.audit_log) TO auditor;
GRANT ALL ON FUNCTION api.leads(api.audit_log) TO tenant_admin;

--
-- Name: FUNCTION leads(api.collaborators); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.leads(api.collaborators) FROM PUBLIC;
GRANT ALL ON FUNCTION api.leads(api.collaborators) TO sales_rep;
GRANT ALL ON FUNCTION api.leads(api.collaborators) TO sales_manager;
GRANT ALL ON FUNCTION api.leads(api.collaborators) TO auditor;
GRANT ALL ON FUNCTION api.leads(api.collaborators) TO tenant_admin;

--
-- Name: FUNCTION leads(api.extension_requests); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.leads(api.extension_requests) FROM PUBLIC;
GRANT ALL ON FUNCTION api.leads(api.extension_requests) TO sales_rep;
GRANT ALL ON FUNCTION api.leads(api.extension_requests) TO sales_manager;
GRANT ALL ON FUNCTION api.leads(api.extension_requests) TO auditor;
GRANT ALL ON FUNCTION api.leads(api.extension_requests) TO tenant_admin;

--
-- Name: FUNCTION leads(api.holds); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.leads(api.holds) FROM PUBLIC;
GRANT ALL ON FUNCTION api.leads(api.holds) TO sales_rep;
GRANT ALL ON FUNCTION api.leads(api.holds) TO sales_manager;
GRANT ALL ON FUNCTION api.leads(api.holds) TO auditor;
GRANT ALL ON FUNCTION api.leads(api.holds) TO tenant_admin;

--
-- Name: FUNCTION leads(api.lead_protection); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.leads(api.lead_protection) FROM PUBLIC;
GRANT ALL ON FUNCTION api.leads(api.lead_protection) TO sales_rep;
GRANT ALL ON FUNCTION api.leads(api.lead_protection) TO sales_manager;
GRANT ALL ON FUNCTION api.leads(api.lead_protection) TO auditor;
GRANT ALL ON FUNCTION api.leads(api.lead_protection) TO tenant_admin;

--
-- Name: TABLE notifications; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.notifications TO sales_rep;
GRANT SELECT ON TABLE app.notifications TO sales_manager;
GRANT SELECT ON TABLE app.notifications TO auditor;
GRANT SELECT ON TABLE app.notifications TO tenant_admin;

--
-- Name: COLUMN notifications.read_at; Type: ACL; Schema: app; Owner: -
--

GRANT UPDATE(read_at) ON TABLE app.notifications TO sales_rep;
GRANT UPDATE(read_at) ON TABLE app.notifications TO sales_manager;
GRANT UPDATE(read_at) ON TABLE app.notifications TO auditor;
GRANT UPDATE(read_at) ON TABLE app.notifications TO tenant_admin;

--
-- Name: TABLE notifications; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.notifications TO sales_rep;
GRANT SELECT ON TABLE api.notifications TO sales_manager;
GRANT SELECT ON TABLE api.notifications TO auditor;
GRANT SELECT ON TABLE api.notifications TO tenant_admin;

--
-- Name: FUNCTION leads(api.notifications); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.leads(api.notifications) FROM PUBLIC;
GRANT ALL ON FUNCTION api.leads(api.notifications) TO sales_rep;
GRANT ALL ON FUNCTION api.leads(api.notifications) TO sales_manager;
GRANT ALL ON FUNCTION api.leads(api.notifications) TO auditor;
GRANT ALL ON FUNCTION api.leads(api.notifications) TO tenant_admin;

--
-- Name: TABLE feedback_submissions; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.feedback_submissions TO sales_rep;
GRANT SELECT ON TABLE app.feedback_submissions TO sales_manager;
GRANT SELECT ON TABLE app.feedback_submissions TO auditor;
GRANT SELECT ON TABLE app.feedback_submissions TO tenant_admin;

--
-- Name: TABLE product_feedback; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.product_feedback TO sales_rep;
GRANT SELECT ON TABLE app.product_feedback TO sales_manager;
GRANT SELECT ON TABLE app.product_feedback TO auditor;
GRANT SELECT ON TABLE app.product_feedback TO tenant_admin;

--
-- Name: COLUMN product_feedback.tenant_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(tenant_id) ON TABLE app.product_feedback TO sales_rep;
GRANT INSERT(tenant_id) ON TABLE app.product_feedback TO sales_manager;

--
-- Name: COLUMN product_feedback.lead_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(lead_id) ON TABLE app.product_feedback TO sales_rep;
GRANT INSERT(lead_id) ON TABLE app.product_feedback TO sales_manager;

--
-- Name: COLUMN product_feedback.phase_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(phase_id) ON TABLE app.product_feedback TO sales_rep;
GRANT INSERT(phase_id) ON TABLE app.product_feedback TO sales_manager;

--
-- Name: COLUMN product_feedback.sku; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(sku) ON TABLE app.product_feedback TO sales_rep;
GRANT INSERT(sku) ON TABLE app.product_feedback TO sales_manager;

--
-- Name: COLUMN product_feedback.rating; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(rating) ON TABLE app.product_feedback TO sales_rep;
GRANT INSERT(rating) ON TABLE app.product_feedback TO sales_manager;

--
-- Name: COLUMN product_feedback.comment; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(comment) ON TABLE app.product_feedback TO sales_rep;
GRANT INSERT(comment) ON TABLE app.product_feedback TO sales_manager;

--
-- Name: COLUMN product_feedback.would_reorder; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(would_reorder) ON TABLE app.product_feedback TO sales_rep;
GRANT INSERT(would_reorder) ON TABLE app.product_feedback TO sales_manager;

--
-- Name: COLUMN product_feedback.contact_name; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(contact_name) ON TABLE app.product_feedback TO sales_rep;
GRANT INSERT(contact_name) ON TABLE app.product_feedback TO sales_manager;

--
-- Name: COLUMN product_feedback.contact_role; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(contact_role) ON TABLE app.product_feedback TO sales_rep;
GRANT INSERT(contact_role) ON TABLE app.product_feedback TO sales_manager;

--
-- Name: COLUMN product_feedback.source; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(source) ON TABLE app.product_feedback TO sales_rep;
GRANT INSERT(source) ON TABLE app.product_feedback TO sales_manager;

--
-- Name: COLUMN product_feedback.received_at; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(received_at) ON TABLE app.product_feedback TO sales_rep;
GRANT INSERT(received_at) ON TABLE app.product_feedback TO sales_manager;

--
-- Name: COLUMN product_feedback.recorded_by; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(recorded_by) ON TABLE app.product_feedback TO sales_rep;
GRANT INSERT(recorded_by) ON TABLE app.product_feedback TO sales_manager;

--
-- Name: TABLE product_feedback; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.product_feedback TO sales_rep;
GRANT SELECT ON TABLE api.product_feedback TO sales_manager;
GRANT SELECT ON TABLE api.product_feedback TO auditor;
GRANT SELECT ON TABLE api.product_feedback TO tenant_admin;

--
-- Name: FUNCTION leads(api.product_feedback); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.leads(api.product_feedback) FROM PUBLIC;
GRANT ALL ON FUNCTION api.leads(api.product_feedback) TO sales_rep;
GRANT ALL ON FUNCTION api.leads(api.product_feedback) TO sales_manager;
GRANT ALL ON FUNCTION api.leads(api.product_feedback) TO auditor;
GRANT ALL ON FUNCTION api.leads(api.product_feedback) TO tenant_admin;

--
-- Name: FUNCTION leads(api.sales_orders); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.leads(api.sales_orders) FROM PUBLIC;
GRANT ALL ON FUNCTION api.leads(api.sales_orders) TO sales_rep;
GRANT ALL ON FUNCTION api.leads(api.sales_orders) TO sales_manager;
GRANT ALL ON FUNCTION api.leads(api.sales_orders) TO auditor;
GRANT ALL ON FUNCTION api.leads(api.sales_orders) TO tenant_admin;

--
-- Name: FUNCTION leads(api.sample_boxes); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.leads(api.sample_boxes) FROM PUBLIC;
GRANT ALL ON FUNCTION api.leads(api.sample_boxes) TO sales_rep;
GRANT ALL ON FUNCTION api.leads(api.sample_boxes) TO sales_manager;
GRANT ALL ON FUNCTION api.leads(api.sample_boxes) TO auditor;
GRANT ALL ON FUNCTION api.leads(api.sample_boxes) TO tenant_admin;

--
-- Name: FUNCTION feedback_link_state(p_expires_at timestamp with time zone, p_revoked_at timestamp with time zone, p_submissions integer, p_max_submissions integer, p_at timestamp with time zone); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.feedback_link_state(p_expires_at timestamp with time zone, p_revoked_at timestamp with time zone, p_submissions integer, p_max_submissions integer, p_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app.feedback_link_state(p_expires_at timestamp with time zone, p_revoked_at timestamp with time zone, p_submissions integer, p_max_submissions integer, p_at timestamp with time zone) TO sales_rep;
GRANT ALL ON FUNCTION app.feedback_link_state(p_expires_at timestamp with time zone, p_revoked_at timestamp with time zone, p_submissions integer, p_max_submissions integer, p_at timestamp with time zone) TO sales_manager;
GRANT ALL ON FUNCTION app.feedback_link_state(p_expires_at timestamp with time zone, p_revoked_at timestamp with time zone, p_submissions integer, p_max_submissions integer, p_at timestamp with time zone) TO auditor;
GRANT ALL ON FUNCTION app.feedback_link_state(p_expires_at timestamp with time zone, p_revoked_at timestamp with time zone, p_submissions integer, p_max_submissions integer, p_at timestamp with time zone) TO tenant_admin;
GRANT ALL ON FUNCTION app.feedback_link_state(p_expires_at timestamp with time zone, p_revoked_at timestamp with time zone, p_submissions integer, p_max_submissions integer, p_at timestamp with time zone) TO svc_api;

--
-- Name: TABLE test_phases; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.test_phases TO sales_rep;
GRANT SELECT ON TABLE app.test_phases TO sales_manager;
GRANT SELECT ON TABLE app.test_phases TO auditor;
GRANT SELECT ON TABLE app.test_phases TO tenant_admin;

--
-- Name: COLUMN test_phases.id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(id) ON TABLE app.test_phases TO sales_rep;
GRANT INSERT(id) ON TABLE app.test_phases TO sales_manager;

--
-- Name: COLUMN test_phases.tenant_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(tenant_id) ON TABLE app.test_phases TO sales_rep;
GRANT INSERT(tenant_id) ON TABLE app.test_phases TO sales_manager;

--
-- Name: COLUMN test_phases.lead_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(lead_id) ON TABLE app.test_phases TO sales_rep;
GRANT INSERT(lead_id) ON TABLE app.test_phases TO sales_manager;

--
-- Name: COLUMN test_phases.box_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(box_id) ON TABLE app.test_phases TO sales_rep;
GRANT INSERT(box_id) ON TABLE app.test_phases TO sales_manager;

--
-- Name: COLUMN test_phases.stage; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(stage) ON TABLE app.test_phases TO sales_rep;
GRANT INSERT(stage) ON TABLE app.test_phases TO sales_manager;

--
-- Name: COLUMN test_phases.start_date; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(start_date) ON TABLE app.test_phases TO sales_rep;
GRANT INSERT(start_date) ON TABLE app.test_phases TO sales_manager;

--
-- Name: COLUMN test_phases.end_date; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(end_date) ON TABLE app.test_phases TO sales_rep;
GRANT INSERT(end_date) ON TABLE app.test_phases TO sales_manager;

--
-- Name: COLUMN test_phases.created_by; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(created_by) ON TABLE app.test_phases TO sales_rep;
GRANT INSERT(created_by) ON TABLE app.test_phases TO sales_manager;

--
-- Name: COLUMN feedback_tokens.id; Type: ACL; Schema: app_private; Owner: -
--

GRANT SELECT(id) ON TABLE app_private.feedback_tokens TO sales_rep;
GRANT SELECT(id) ON TABLE app_private.feedback_tokens TO sales_manager;
GRANT SELECT(id) ON TABLE app_private.feedback_tokens TO auditor;
GRANT SELECT(id) ON TABLE app_private.feedback_tokens TO tenant_admin;

--
-- Name: COLUMN feedback_tokens.tenant_id; Type: ACL; Schema: app_private; Owner: -
--

GRANT SELECT(tenant_id) ON TABLE app_private.feedback_tokens TO sales_rep;
GRANT SELECT(tenant_id) ON TABLE app_private.feedback_tokens TO sales_manager;
GRANT SELECT(tenant_id) ON TABLE app_private.feedback_tokens TO auditor;
GRANT SELECT(tenant_id) ON TABLE app_private.feedback_tokens TO tenant_admin;

--
-- Name: COLUMN feedback_tokens.lead_id; Type: ACL; Schema: app_private; Owner: -
--

GRANT SELECT(lead_id) ON TABLE app_private.feedback_tokens TO sales_rep;
GRANT SELECT(lead_id) ON TABLE app_private.feedback_tokens TO sales_manager;
GRANT SELECT(lead_id) ON TABLE app_private.feedback_tokens TO auditor;
GRANT SELECT(lead_id) ON TABLE app_private.feedback_tokens TO tenant_admin;

--
-- Name: COLUMN feedback_tokens.phase_id; Type: ACL; Schema: app_private; Owner: -
--

GRANT SELECT(phase_id) ON TABLE app_private.feedback_tokens TO sales_rep;
GRANT SELECT(phase_id) ON TABLE app_private.feedback_tokens TO sales_manager;
GRANT SELECT(phase_id) ON TABLE app_private.feedback_tokens TO auditor;
GRANT SELECT(phase_id) ON TABLE app_private.feedback_tokens TO tenant_admin;

--
-- Name: COLUMN feedback_tokens.created_by; Type: ACL; Schema: app_private; Owner: -
--

GRANT SELECT(created_by) ON TABLE app_private.feedback_tokens TO sales_rep;
GRANT SELECT(created_by) ON TABLE app_private.feedback_tokens TO sales_manager;
GRANT SELECT(created_by) ON TABLE app_private.feedback_tokens TO auditor;
GRANT SELECT(created_by) ON TABLE app_private.feedback_tokens TO tenant_admin;

--
-- Name: COLUMN feedback_tokens.created_at; Type: ACL; Schema: app_private; Owner: -
--

GRANT SELECT(created_at) ON TABLE app_private.feedback_tokens TO sales_rep;
GRANT SELECT(created_at) ON TABLE app_private.feedback_tokens TO sales_manager;
GRANT SELECT(created_at) ON TABLE app_private.feedback_tokens TO auditor;
GRANT SELECT(created_at) ON TABLE app_private.feedback_tokens TO tenant_admin;

--
-- Name: COLUMN feedback_tokens.expires_at; Type: ACL; Schema: app_private; Owner: -
--

GRANT SELECT(expires_at) ON TABLE app_private.feedback_tokens TO sales_rep;
GRANT SELECT(expires_at) ON TABLE app_private.feedback_tokens TO sales_manager;
GRANT SELECT(expires_at) ON TABLE app_private.feedback_tokens TO auditor;
GRANT SELECT(expires_at) ON TABLE app_private.feedback_tokens TO tenant_admin;

--
-- Name: COLUMN feedback_tokens.revoked_at; Type: ACL; Schema: app_private; Owner: -
--

GRANT SELECT(revoked_at) ON TABLE app_private.feedback_tokens TO sales_rep;
GRANT SELECT(revoked_at) ON TABLE app_private.feedback_tokens TO sales_manager;
GRANT SELECT(revoked_at) ON TABLE app_private.feedback_tokens TO auditor;
GRANT SELECT(revoked_at) ON TABLE app_private.feedback_tokens TO tenant_admin;

--
-- Name: COLUMN feedback_tokens.submissions; Type: ACL; Schema: app_private; Owner: -
--

GRANT SELECT(submissions) ON TABLE app_private.feedback_tokens TO sales_rep;
GRANT SELECT(submissions) ON TABLE app_private.feedback_tokens TO sales_manager;
GRANT SELECT(submissions) ON TABLE app_private.feedback_tokens TO auditor;
GRANT SELECT(submissions) ON TABLE app_private.feedback_tokens TO tenant_admin;

--
-- Name: COLUMN feedback_tokens.max_submissions; Type: ACL; Schema: app_private; Owner: -
--

GRANT SELECT(max_submissions) ON TABLE app_private.feedback_tokens TO sales_rep;
GRANT SELECT(max_submissions) ON TABLE app_private.feedback_tokens TO sales_manager;
GRANT SELECT(max_submissions) ON TABLE app_private.feedback_tokens TO auditor;
GRANT SELECT(max_submissions) ON TABLE app_private.feedback_tokens TO tenant_admin;

--
-- Name: TABLE test_phases; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.test_phases TO sales_rep;
GRANT SELECT ON TABLE api.test_phases TO sales_manager;
GRANT SELECT ON TABLE api.test_phases TO auditor;
GRANT SELECT ON TABLE api.test_phases TO tenant_admin;

--
-- Name: FUNCTION leads(api.test_phases); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.leads(api.test_phases) FROM PUBLIC;
GRANT ALL ON FUNCTION api.leads(api.test_phases) TO sales_rep;
GRANT ALL ON FUNCTION api.leads(api.test_phases) TO sales_manager;
GRANT ALL ON FUNCTION api.leads(api.test_phases) TO auditor;
GRANT ALL ON FUNCTION api.leads(api.test_phases) TO tenant_admin;

--
-- Name: TABLE test_results; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.test_results TO sales_rep;
GRANT SELECT ON TABLE app.test_results TO sales_manager;
GRANT SELECT ON TABLE app.test_results TO auditor;
GRANT SELECT ON TABLE app.test_results TO tenant_admin;

--
-- Name: COLUMN test_results.tenant_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(tenant_id) ON TABLE app.test_results TO sales_rep;
GRANT INSERT(tenant_id) ON TABLE app.test_results TO sales_manager;

--
-- Name: COLUMN test_results.lead_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(lead_id) ON TABLE app.test_results TO sales_rep;
GRANT INSERT(lead_id) ON TABLE app.test_results TO sales_manager;

--
-- Name: COLUMN test_results.phase_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(phase_id) ON TABLE app.test_results TO sales_rep;
GRANT INSERT(phase_id) ON TABLE app.test_results TO sales_manager;

--
-- Name: COLUMN test_results.sku; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(sku) ON TABLE app.test_results TO sales_rep;
GRANT INSERT(sku) ON TABLE app.test_results TO sales_manager;

--
-- Name: COLUMN test_results.outcome; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(outcome),UPDATE(outcome) ON TABLE app.test_results TO sales_rep;
GRANT INSERT(outcome),UPDATE(outcome) ON TABLE app.test_results TO sales_manager;

--
-- Name: COLUMN test_results.sell_through; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(sell_through),UPDATE(sell_through) ON TABLE app.test_results TO sales_rep;
GRANT INSERT(sell_through),UPDATE(sell_through) ON TABLE app.test_results TO sales_manager;

--
-- Name: COLUMN test_results.waste_delta; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(waste_delta),UPDATE(waste_delta) ON TABLE app.test_results TO sales_rep;
GRANT INSERT(waste_delta),UPDATE(waste_delta) ON TABLE app.test_results TO sales_manager;

--
-- Name: COLUMN test_results.notes; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(notes),UPDATE(notes) ON TABLE app.test_results TO sales_rep;
GRANT INSERT(notes),UPDATE(notes) ON TABLE app.test_results TO sales_manager;

--
-- Name: COLUMN test_results.recorded_by; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(recorded_by),UPDATE(recorded_by) ON TABLE app.test_results TO sales_rep;
GRANT INSERT(recorded_by),UPDATE(recorded_by) ON TABLE app.test_results TO sales_manager;

--
-- Name: COLUMN test_results.recorded_at; Type: ACL; Schema: app; Owner: -
--

GRANT UPDATE(recorded_at) ON TABLE app.test_results TO sales_rep;
GRANT UPDATE(recorded_at) ON TABLE app.test_results TO sales_manager;

--
-- Name: TABLE test_results; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.test_results TO sales_rep;
GRANT SELECT ON TABLE api.test_results TO sales_manager;
GRANT SELECT ON TABLE api.test_results TO auditor;
GRANT SELECT ON TABLE api.test_results TO tenant_admin;

--
-- Name: FUNCTION leads(api.test_results); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.leads(api.test_results) FROM PUBLIC;
GRANT ALL ON FUNCTION api.leads(api.test_results) TO sales_rep;
GRANT ALL ON FUNCTION api.leads(api.test_results) TO sales_manager;
GRANT ALL ON FUNCTION api.leads(api.test_results) TO auditor;
GRANT ALL ON FUNCTION api.leads(api.test_results) TO tenant_admin;

--
-- Name: FUNCTION link_xentral_customer(lead_id uuid, xentral_customer_id text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.link_xentral_customer(lead_id uuid, xentral_customer_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.link_xentral_customer(lead_id uuid, xentral_customer_id text) TO sales_rep;
GRANT ALL ON FUNCTION api.link_xentral_customer(lead_id uuid, xentral_customer_id text) TO sales_manager;
GRANT ALL ON FUNCTION api.link_xentral_customer(lead_id uuid, xentral_customer_id text) TO auditor;
GRANT ALL ON FUNCTION api.link_xentral_customer(lead_id uuid, xentral_customer_id text) TO tenant_admin;

--
-- Name: FUNCTION log_activity(lead_id uuid, kind text, occurred_at timestamp with time zone, note text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.log_activity(lead_id uuid, kind text, occurred_at timestamp with time zone, note text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.log_activity(lead_id uuid, kind text, occurred_at timestamp with time zone, note text) TO sales_rep;
GRANT ALL ON FUNCTION api.log_activity(lead_id uuid, kind text, occurred_at timestamp with time zone, note text) TO sales_manager;
GRANT ALL ON FUNCTION api.log_activity(lead_id uuid, kind text, occurred_at timestamp with time zone, note text) TO auditor;
GRANT ALL ON FUNCTION api.log_activity(lead_id uuid, kind text, occurred_at timestamp with time zone, note text) TO tenant_admin;

--
-- Name: FUNCTION log_feedback(phase_id uuid, sku text, rating integer, comment text, source text, would_reorder boolean, contact_name text, contact_role text, received_at timestamp with time zone); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.log_feedback(phase_id uuid, sku text, rating integer, comment text, source text, would_reorder boolean, contact_name text, contact_role text, received_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION api.log_feedback(phase_id uuid, sku text, rating integer, comment text, source text, would_reorder boolean, contact_name text, contact_role text, received_at timestamp with time zone) TO sales_rep;
GRANT ALL ON FUNCTION api.log_feedback(phase_id uuid, sku text, rating integer, comment text, source text, would_reorder boolean, contact_name text, contact_role text, received_at timestamp with time zone) TO sales_manager;
GRANT ALL ON FUNCTION api.log_feedback(phase_id uuid, sku text, rating integer, comment text, source text, would_reorder boolean, contact_name text, contact_role text, received_at timestamp with time zone) TO auditor;
GRANT ALL ON FUNCTION api.log_feedback(phase_id uuid, sku text, rating integer, comment text, source text, would_reorder boolean, contact_name text, contact_role text, received_at timestamp with time zone) TO tenant_admin;

--
-- Name: FUNCTION mark_notification_read(notification_id uuid); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.mark_notification_read(notification_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION api.mark_notification_read(notification_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION api.mark_notification_read(notification_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION api.mark_notification_read(notification_id uuid) TO auditor;
GRANT ALL ON FUNCTION api.mark_notification_read(notification_id uuid) TO tenant_admin;

--
-- Name: FUNCTION notifications(api.leads); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.notifications(api.leads) FROM PUBLIC;
GRANT ALL ON FUNCTION api.notifications(api.leads) TO sales_rep;
GRANT ALL ON FUNCTION api.notifications(api.leads) TO sales_manager;
GRANT ALL ON FUNCTION api.notifications(api.leads) TO auditor;
GRANT ALL ON FUNCTION api.notifications(api.leads) TO tenant_admin;

--
-- Name: FUNCTION override_protection(lead_id uuid, until timestamp with time zone, reason text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.override_protection(lead_id uuid, until timestamp with time zone, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.override_protection(lead_id uuid, until timestamp with time zone, reason text) TO sales_rep;
GRANT ALL ON FUNCTION api.override_protection(lead_id uuid, until timestamp with time zone, reason text) TO sales_manager;
GRANT ALL ON FUNCTION api.override_protection(lead_id uuid, until timestamp with time zone, reason text) TO auditor;
GRANT ALL ON FUNCTION api.override_protection(lead_id uuid, until timestamp with time zone, reason text) TO tenant_admin;

--
-- Name: FUNCTION product_feedback(api.leads); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.product_feedback(api.leads) FROM PUBLIC;
GRANT ALL ON FUNCTION api.product_feedback(api.leads) TO sales_rep;
GRANT ALL ON FUNCTION api.product_feedback(api.leads) TO sales_manager;
GRANT ALL ON FUNCTION api.product_feedback(api.leads) TO auditor;
GRANT ALL ON FUNCTION api.product_feedback(api.leads) TO tenant_admin;

--
-- Name: FUNCTION record_test_result(phase_id uuid, sku text, outcome text, sell_through numeric, waste_delta numeric, notes text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.record_test_result(phase_id uuid, sku text, outcome text, sell_through numeric, waste_delta numeric, notes text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.record_test_result(phase_id uuid, sku text, outcome text, sell_through numeric, waste_delta numeric, notes text) TO sales_rep;
GRANT ALL ON FUNCTION api.record_test_result(phase_id uuid, sku text, outcome text, sell_through numeric, waste_delta numeric, notes text) TO sales_manager;
GRANT ALL ON FUNCTION api.record_test_result(phase_id uuid, sku text, outcome text, sell_through numeric, waste_delta numeric, notes text) TO auditor;
GRANT ALL ON FUNCTION api.record_test_result(phase_id uuid, sku text, outcome text, sell_through numeric, waste_delta numeric, notes text) TO tenant_admin;

--
-- Name: FUNCTION register_lead(company_name text, postal_code text, city text, street text, country text, vat_id text, contact_name text, contact_email text, contact_phone text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.register_lead(company_name text, postal_code text, city text, street text, country text, vat_id text, contact_name text, contact_email text, contact_phone text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.register_lead(company_name text, postal_code text, city text, street text, country text, vat_id text, contact_name text, contact_email text, contact_phone text) TO sales_rep;
GRANT ALL ON FUNCTION api.register_lead(company_name text, postal_code text, city text, street text, country text, vat_id text, contact_name text, contact_email text, contact_phone text) TO sales_manager;
GRANT ALL ON FUNCTION api.register_lead(company_name text, postal_code text, city text, street text, country text, vat_id text, contact_name text, contact_email text, contact_phone text) TO auditor;
GRANT ALL ON FUNCTION api.register_lead(company_name text, postal_code text, city text, street text, country text, vat_id text, contact_name text, contact_email text, contact_phone text) TO tenant_admin;

--
-- Name: FUNCTION remove_collaborator(lead_id uuid, user_id uuid); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.remove_collaborator(lead_id uuid, user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION api.remove_collaborator(lead_id uuid, user_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION api.remove_collaborator(lead_id uuid, user_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION api.remove_collaborator(lead_id uuid, user_id uuid) TO auditor;
GRANT ALL ON FUNCTION api.remove_collaborator(lead_id uuid, user_id uuid) TO tenant_admin;

--
-- Name: FUNCTION request_extension(lead_id uuid, days integer, reason text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.request_extension(lead_id uuid, days integer, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.request_extension(lead_id uuid, days integer, reason text) TO sales_rep;
GRANT ALL ON FUNCTION api.request_extension(lead_id uuid, days integer, reason text) TO sales_manager;
GRANT ALL ON FUNCTION api.request_extension(lead_id uuid, days integer, reason text) TO auditor;
GRANT ALL ON FUNCTION api.request_extension(lead_id uuid, days integer, reason text) TO tenant_admin;

--
-- Name: TABLE jobs; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.jobs TO svc_jobs;

--
-- Name: COLUMN jobs.id; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(id) ON TABLE app.jobs TO tenant_admin;

--
-- Name: COLUMN jobs.tenant_id; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(tenant_id) ON TABLE app.jobs TO tenant_admin;

--
-- Name: COLUMN jobs.kind; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(kind) ON TABLE app.jobs TO tenant_admin;

--
-- Name: COLUMN jobs.dedupe_key; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(dedupe_key) ON TABLE app.jobs TO tenant_admin;

--
-- Name: COLUMN jobs.state; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(state) ON TABLE app.jobs TO tenant_admin;

--
-- Name: COLUMN jobs.attempts; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(attempts) ON TABLE app.jobs TO tenant_admin;

--
-- Name: COLUMN jobs.next_attempt_at; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(next_attempt_at) ON TABLE app.jobs TO tenant_admin;

--
-- Name: COLUMN jobs.last_error; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(last_error) ON TABLE app.jobs TO tenant_admin;

--
-- Name: COLUMN jobs.created_at; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(created_at) ON TABLE app.jobs TO tenant_admin;

--
-- Name: COLUMN jobs.started_at; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(started_at) ON TABLE app.jobs TO tenant_admin;

--
-- Name: COLUMN jobs.finished_at; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(finished_at) ON TABLE app.jobs TO tenant_admin;

--
-- Name: COLUMN jobs.user_id; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(user_id) ON TABLE app.jobs TO tenant_admin;

--
-- Name: COLUMN jobs.to_address; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(to_address) ON TABLE app.jobs TO tenant_admin;

--
-- Name: COLUMN jobs.template; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(template) ON TABLE app.jobs TO tenant_admin;

--
-- Name: COLUMN jobs.lead_id; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT(lead_id) ON TABLE app.jobs TO tenant_admin;

--
-- Name: TABLE jobs; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.jobs TO tenant_admin;

--
-- Name: FUNCTION request_sync(kind text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.request_sync(kind text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.request_sync(kind text) TO sales_rep;
GRANT ALL ON FUNCTION api.request_sync(kind text) TO sales_manager;
GRANT ALL ON FUNCTION api.request_sync(kind text) TO auditor;
GRANT ALL ON FUNCTION api.request_sync(kind text) TO tenant_admin;

--
-- Name: FUNCTION requeue_job(job_id bigint); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.requeue_job(job_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION api.requeue_job(job_id bigint) TO sales_rep;
GRANT ALL ON FUNCTION api.requeue_job(job_id bigint) TO sales_manager;
GRANT ALL ON FUNCTION api.requeue_job(job_id bigint) TO auditor;
GRANT ALL ON FUNCTION api.requeue_job(job_id bigint) TO tenant_admin;

--
-- Name: FUNCTION revoke_feedback_token(phase_id uuid); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.revoke_feedback_token(phase_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION api.revoke_feedback_token(phase_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION api.revoke_feedback_token(phase_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION api.revoke_feedback_token(phase_id uuid) TO auditor;
GRANT ALL ON FUNCTION api.revoke_feedback_token(phase_id uuid) TO tenant_admin;

--
-- Name: FUNCTION rotate_feedback_token(phase_id uuid); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.rotate_feedback_token(phase_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION api.rotate_feedback_token(phase_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION api.rotate_feedback_token(phase_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION api.rotate_feedback_token(phase_id uuid) TO auditor;
GRANT ALL ON FUNCTION api.rotate_feedback_token(phase_id uuid) TO tenant_admin;

--
-- Name: FUNCTION sales_orders(api.leads); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.sales_orders(api.leads) FROM PUBLIC;
GRANT ALL ON FUNCTION api.sales_orders(api.leads) TO sales_rep;
GRANT ALL ON FUNCTION api.sales_orders(api.leads) TO sales_manager;
GRANT ALL ON FUNCTION api.sales_orders(api.leads) TO auditor;
GRANT ALL ON FUNCTION api.sales_orders(api.leads) TO tenant_admin;

--
-- Name: FUNCTION sample_boxes(api.leads); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.sample_boxes(api.leads) FROM PUBLIC;
GRANT ALL ON FUNCTION api.sample_boxes(api.leads) TO sales_rep;
GRANT ALL ON FUNCTION api.sample_boxes(api.leads) TO sales_manager;
GRANT ALL ON FUNCTION api.sample_boxes(api.leads) TO auditor;
GRANT ALL ON FUNCTION api.sample_boxes(api.leads) TO tenant_admin;

--
-- Name: TABLE activity_kinds; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.activity_kinds TO sales_rep;
GRANT SELECT ON TABLE api.activity_kinds TO sales_manager;
GRANT SELECT ON TABLE api.activity_kinds TO auditor;
GRANT SELECT ON TABLE api.activity_kinds TO tenant_admin;

--
-- Name: FUNCTION set_activity_kind(kind text, counts_as_progress boolean); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.set_activity_kind(kind text, counts_as_progress boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION api.set_activity_kind(kind text, counts_as_progress boolean) TO sales_rep;
GRANT ALL ON FUNCTION api.set_activity_kind(kind text, counts_as_progress boolean) TO sales_manager;
GRANT ALL ON FUNCTION api.set_activity_kind(kind text, counts_as_progress boolean) TO auditor;
GRANT ALL ON FUNCTION api.set_activity_kind(kind text, counts_as_progress boolean) TO tenant_admin;

--
-- Name: FUNCTION set_setting(key text, scope text, value jsonb, target_id uuid); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.set_setting(key text, scope text, value jsonb, target_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION api.set_setting(key text, scope text, value jsonb, target_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION api.set_setting(key text, scope text, value jsonb, target_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION api.set_setting(key text, scope text, value jsonb, target_id uuid) TO auditor;
GRANT ALL ON FUNCTION api.set_setting(key text, scope text, value jsonb, target_id uuid) TO tenant_admin;

--
-- Name: FUNCTION start_test_phase(box_id uuid, stage text, start_date date, end_date date); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.start_test_phase(box_id uuid, stage text, start_date date, end_date date) FROM PUBLIC;
GRANT ALL ON FUNCTION api.start_test_phase(box_id uuid, stage text, start_date date, end_date date) TO sales_rep;
GRANT ALL ON FUNCTION api.start_test_phase(box_id uuid, stage text, start_date date, end_date date) TO sales_manager;
GRANT ALL ON FUNCTION api.start_test_phase(box_id uuid, stage text, start_date date, end_date date) TO auditor;
GRANT ALL ON FUNCTION api.start_test_phase(box_id uuid, stage text, start_date date, end_date date) TO tenant_admin;

--
-- Name: FUNCTION test_phases(api.leads); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.test_phases(api.leads) FROM PUBLIC;
GRANT ALL ON FUNCTION api.test_phases(api.leads) TO sales_rep;
GRANT ALL ON FUNCTION api.test_phases(api.leads) TO sales_manager;
GRANT ALL ON FUNCTION api.test_phases(api.leads) TO auditor;
GRANT ALL ON FUNCTION api.test_phases(api.leads) TO tenant_admin;

--
-- Name: FUNCTION test_results(api.leads); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.test_results(api.leads) FROM PUBLIC;
GRANT ALL ON FUNCTION api.test_results(api.leads) TO sales_rep;
GRANT ALL ON FUNCTION api.test_results(api.leads) TO sales_manager;
GRANT ALL ON FUNCTION api.test_results(api.leads) TO auditor;
GRANT ALL ON FUNCTION api.test_results(api.leads) TO tenant_admin;

--
-- Name: FUNCTION transfer_lead(lead_id uuid, new_owner_id uuid, reason text); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.transfer_lead(lead_id uuid, new_owner_id uuid, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION api.transfer_lead(lead_id uuid, new_owner_id uuid, reason text) TO sales_rep;
GRANT ALL ON FUNCTION api.transfer_lead(lead_id uuid, new_owner_id uuid, reason text) TO sales_manager;
GRANT ALL ON FUNCTION api.transfer_lead(lead_id uuid, new_owner_id uuid, reason text) TO auditor;
GRANT ALL ON FUNCTION api.transfer_lead(lead_id uuid, new_owner_id uuid, reason text) TO tenant_admin;

--
-- Name: FUNCTION whoami(); Type: ACL; Schema: api; Owner: -
--

REVOKE ALL ON FUNCTION api.whoami() FROM PUBLIC;
GRANT ALL ON FUNCTION api.whoami() TO sales_rep;
GRANT ALL ON FUNCTION api.whoami() TO sales_manager;
GRANT ALL ON FUNCTION api.whoami() TO auditor;
GRANT ALL ON FUNCTION api.whoami() TO tenant_admin;

--
-- Name: FUNCTION ai_cost_eur(p_provider text, p_model text, p_on date, p_input bigint, p_cached_input bigint, p_cache_write bigint, p_output bigint); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.ai_cost_eur(p_provider text, p_model text, p_on date, p_input bigint, p_cached_input bigint, p_cache_write bigint, p_output bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION app.ai_cost_eur(p_provider text, p_model text, p_on date, p_input bigint, p_cached_input bigint, p_cache_write bigint, p_output bigint) TO sales_manager;
GRANT ALL ON FUNCTION app.ai_cost_eur(p_provider text, p_model text, p_on date, p_input bigint, p_cached_input bigint, p_cache_write bigint, p_output bigint) TO auditor;
GRANT ALL ON FUNCTION app.ai_cost_eur(p_provider text, p_model text, p_on date, p_input bigint, p_cached_input bigint, p_cache_write bigint, p_output bigint) TO tenant_admin;
GRANT ALL ON FUNCTION app.ai_cost_eur(p_provider text, p_model text, p_on date, p_input bigint, p_cached_input bigint, p_cache_write bigint, p_output bigint) TO svc_api;

--
-- Name: FUNCTION ai_month(p_tenant_id uuid, p_at timestamp with time zone); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.ai_month(p_tenant_id uuid, p_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app.ai_month(p_tenant_id uuid, p_at timestamp with time zone) TO sales_rep;
GRANT ALL ON FUNCTION app.ai_month(p_tenant_id uuid, p_at timestamp with time zone) TO sales_manager;
GRANT ALL ON FUNCTION app.ai_month(p_tenant_id uuid, p_at timestamp with time zone) TO auditor;
GRANT ALL ON FUNCTION app.ai_month(p_tenant_id uuid, p_at timestamp with time zone) TO tenant_admin;
GRANT ALL ON FUNCTION app.ai_month(p_tenant_id uuid, p_at timestamp with time zone) TO svc_api;

--
-- Name: FUNCTION check_line(p_value text, p_field text, p_min integer, p_max integer); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.check_line(p_value text, p_field text, p_min integer, p_max integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.check_line(p_value text, p_field text, p_min integer, p_max integer) TO sales_rep;
GRANT ALL ON FUNCTION app.check_line(p_value text, p_field text, p_min integer, p_max integer) TO sales_manager;
GRANT ALL ON FUNCTION app.check_line(p_value text, p_field text, p_min integer, p_max integer) TO auditor;
GRANT ALL ON FUNCTION app.check_line(p_value text, p_field text, p_min integer, p_max integer) TO tenant_admin;

--
-- Name: FUNCTION check_text(p_value text, p_field text, p_min integer, p_max integer); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.check_text(p_value text, p_field text, p_min integer, p_max integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.check_text(p_value text, p_field text, p_min integer, p_max integer) TO sales_rep;
GRANT ALL ON FUNCTION app.check_text(p_value text, p_field text, p_min integer, p_max integer) TO sales_manager;
GRANT ALL ON FUNCTION app.check_text(p_value text, p_field text, p_min integer, p_max integer) TO auditor;
GRANT ALL ON FUNCTION app.check_text(p_value text, p_field text, p_min integer, p_max integer) TO tenant_admin;

--
-- Name: FUNCTION connector_state(p_configured boolean, p_last_success_at timestamp with time zone, p_last_error_at timestamp with time zone, p_troubled boolean); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.connector_state(p_configured boolean, p_last_success_at timestamp with time zone, p_last_error_at timestamp with time zone, p_troubled boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app.connector_state(p_configured boolean, p_last_success_at timestamp with time zone, p_last_error_at timestamp with time zone, p_troubled boolean) TO tenant_admin;
GRANT ALL ON FUNCTION app.connector_state(p_configured boolean, p_last_success_at timestamp with time zone, p_last_error_at timestamp with time zone, p_troubled boolean) TO svc_api;

--
-- Name: FUNCTION connector_troubled(p_connector text, p_tenant_id uuid, p_last_success_at timestamp with time zone); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.connector_troubled(p_connector text, p_tenant_id uuid, p_last_success_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app.connector_troubled(p_connector text, p_tenant_id uuid, p_last_success_at timestamp with time zone) TO tenant_admin;
GRANT ALL ON FUNCTION app.connector_troubled(p_connector text, p_tenant_id uuid, p_last_success_at timestamp with time zone) TO svc_api;

--
-- Name: TABLE credit_checks; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.credit_checks TO sales_rep;
GRANT SELECT ON TABLE app.credit_checks TO sales_manager;
GRANT SELECT ON TABLE app.credit_checks TO auditor;
GRANT SELECT ON TABLE app.credit_checks TO tenant_admin;

--
-- Name: FUNCTION credit_check_json(p_check app.credit_checks, p_source text, p_stale boolean); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.credit_check_json(p_check app.credit_checks, p_source text, p_stale boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app.credit_check_json(p_check app.credit_checks, p_source text, p_stale boolean) TO sales_rep;
GRANT ALL ON FUNCTION app.credit_check_json(p_check app.credit_checks, p_source text, p_stale boolean) TO sales_manager;
GRANT ALL ON FUNCTION app.credit_check_json(p_check app.credit_checks, p_source text, p_stale boolean) TO svc_api;

--
-- Name: FUNCTION credit_check_reuse(); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.credit_check_reuse() FROM PUBLIC;
GRANT ALL ON FUNCTION app.credit_check_reuse() TO sales_rep;
GRANT ALL ON FUNCTION app.credit_check_reuse() TO sales_manager;
GRANT ALL ON FUNCTION app.credit_check_reuse() TO svc_api;

--
-- Name: FUNCTION credit_check_subject(p_lead_id uuid, p_refresh boolean); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.credit_check_subject(p_lead_id uuid, p_refresh boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app.credit_check_subject(p_lead_id uuid, p_refresh boolean) TO sales_rep;
GRANT ALL ON FUNCTION app.credit_check_subject(p_lead_id uuid, p_refresh boolean) TO sales_manager;
GRANT ALL ON FUNCTION app.credit_check_subject(p_lead_id uuid, p_refresh boolean) TO auditor;
GRANT ALL ON FUNCTION app.credit_check_subject(p_lead_id uuid, p_refresh boolean) TO tenant_admin;

--
-- Name: FUNCTION cron_interval_seconds(p_schedule text); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.cron_interval_seconds(p_schedule text) FROM PUBLIC;

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
-- Name: FUNCTION effective_setting(p_key text, p_tenant_id uuid, p_org_id uuid, p_user_id uuid); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.effective_setting(p_key text, p_tenant_id uuid, p_org_id uuid, p_user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.effective_setting(p_key text, p_tenant_id uuid, p_org_id uuid, p_user_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION app.effective_setting(p_key text, p_tenant_id uuid, p_org_id uuid, p_user_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION app.effective_setting(p_key text, p_tenant_id uuid, p_org_id uuid, p_user_id uuid) TO auditor;
GRANT ALL ON FUNCTION app.effective_setting(p_key text, p_tenant_id uuid, p_org_id uuid, p_user_id uuid) TO tenant_admin;
GRANT ALL ON FUNCTION app.effective_setting(p_key text, p_tenant_id uuid, p_org_id uuid, p_user_id uuid) TO svc_jobs;

--
-- Name: FUNCTION feedback_link(p_token text); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.feedback_link(p_token text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.feedback_link(p_token text) TO sales_rep;
GRANT ALL ON FUNCTION app.feedback_link(p_token text) TO sales_manager;

--
-- Name: FUNCTION format_day(p_at timestamp with time zone); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.format_day(p_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app.format_day(p_at timestamp with time zone) TO sales_rep;
GRANT ALL ON FUNCTION app.format_day(p_at timestamp with time zone) TO sales_manager;
GRANT ALL ON FUNCTION app.format_day(p_at timestamp with time zone) TO auditor;
GRANT ALL ON FUNCTION app.format_day(p_at timestamp with time zone) TO tenant_admin;

--
-- Name: FUNCTION format_german_date(p_at text, p_timezone text); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.format_german_date(p_at text, p_timezone text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.format_german_date(p_at text, p_timezone text) TO sales_rep;
GRANT ALL ON FUNCTION app.format_german_date(p_at text, p_timezone text) TO sales_manager;
GRANT ALL ON FUNCTION app.format_german_date(p_at text, p_timezone text) TO auditor;
GRANT ALL ON FUNCTION app.format_german_date(p_at text, p_timezone text) TO tenant_admin;

--
-- Name: FUNCTION held_days_in_cycle(p_lead app.leads, p_hold_max_days jsonb); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.held_days_in_cycle(p_lead app.leads, p_hold_max_days jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app.held_days_in_cycle(p_lead app.leads, p_hold_max_days jsonb) TO sales_rep;
GRANT ALL ON FUNCTION app.held_days_in_cycle(p_lead app.leads, p_hold_max_days jsonb) TO sales_manager;
GRANT ALL ON FUNCTION app.held_days_in_cycle(p_lead app.leads, p_hold_max_days jsonb) TO auditor;
GRANT ALL ON FUNCTION app.held_days_in_cycle(p_lead app.leads, p_hold_max_days jsonb) TO tenant_admin;

--
-- Name: FUNCTION hold_days_since(p_start_at timestamp with time zone, p_end_at timestamp with time zone, p_cap_days integer, p_since timestamp with time zone); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.hold_days_since(p_start_at timestamp with time zone, p_end_at timestamp with time zone, p_cap_days integer, p_since timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app.hold_days_since(p_start_at timestamp with time zone, p_end_at timestamp with time zone, p_cap_days integer, p_since timestamp with time zone) TO sales_rep;
GRANT ALL ON FUNCTION app.hold_days_since(p_start_at timestamp with time zone, p_end_at timestamp with time zone, p_cap_days integer, p_since timestamp with time zone) TO sales_manager;
GRANT ALL ON FUNCTION app.hold_days_since(p_start_at timestamp with time zone, p_end_at timestamp with time zone, p_cap_days integer, p_since timestamp with time zone) TO auditor;
GRANT ALL ON FUNCTION app.hold_days_since(p_start_at timestamp with time zone, p_end_at timestamp with time zone, p_cap_days integer, p_since timestamp with time zone) TO tenant_admin;

--
-- Name: FUNCTION hold_for_action(p_hold_id uuid); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.hold_for_action(p_hold_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.hold_for_action(p_hold_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION app.hold_for_action(p_hold_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION app.hold_for_action(p_hold_id uuid) TO auditor;
GRANT ALL ON FUNCTION app.hold_for_action(p_hold_id uuid) TO tenant_admin;

--
-- Name: FUNCTION inbound_mail_lead(p_tenant_id uuid, p_in_reply_to text, p_references text[], p_from text); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.inbound_mail_lead(p_tenant_id uuid, p_in_reply_to text, p_references text[], p_from text) FROM PUBLIC;

--
-- Name: FUNCTION inbound_mail_origin_known(p_mail app.inbound_mails); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.inbound_mail_origin_known(p_mail app.inbound_mails) FROM PUBLIC;

--
-- Name: FUNCTION json_schema_error(p_schema jsonb, p_value jsonb, p_path text); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.json_schema_error(p_schema jsonb, p_value jsonb, p_path text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.json_schema_error(p_schema jsonb, p_value jsonb, p_path text) TO tenant_admin;

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
-- Name: FUNCTION lead_deadlines(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.lead_deadlines(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app.lead_deadlines(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) TO sales_rep;
GRANT ALL ON FUNCTION app.lead_deadlines(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) TO sales_manager;
GRANT ALL ON FUNCTION app.lead_deadlines(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) TO auditor;
GRANT ALL ON FUNCTION app.lead_deadlines(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) TO tenant_admin;
GRANT ALL ON FUNCTION app.lead_deadlines(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) TO svc_jobs;

--
-- Name: FUNCTION lead_for_action(p_lead_id uuid); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.lead_for_action(p_lead_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.lead_for_action(p_lead_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION app.lead_for_action(p_lead_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION app.lead_for_action(p_lead_id uuid) TO auditor;
GRANT ALL ON FUNCTION app.lead_for_action(p_lead_id uuid) TO tenant_admin;

--
-- Name: FUNCTION lead_for_sample_write(p_lead_id uuid); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.lead_for_sample_write(p_lead_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.lead_for_sample_write(p_lead_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION app.lead_for_sample_write(p_lead_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION app.lead_for_sample_write(p_lead_id uuid) TO auditor;
GRANT ALL ON FUNCTION app.lead_for_sample_write(p_lead_id uuid) TO tenant_admin;

--
-- Name: FUNCTION lead_status(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.lead_status(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app.lead_status(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) TO sales_rep;
GRANT ALL ON FUNCTION app.lead_status(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) TO sales_manager;
GRANT ALL ON FUNCTION app.lead_status(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) TO auditor;
GRANT ALL ON FUNCTION app.lead_status(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) TO tenant_admin;
GRANT ALL ON FUNCTION app.lead_status(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) TO svc_jobs;

--
-- Name: FUNCTION mail_subject(p_template text, p_values jsonb); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.mail_subject(p_template text, p_values jsonb) FROM PUBLIC;

--
-- Name: FUNCTION my_protection_config(); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.my_protection_config() FROM PUBLIC;
GRANT ALL ON FUNCTION app.my_protection_config() TO sales_rep;
GRANT ALL ON FUNCTION app.my_protection_config() TO sales_manager;
GRANT ALL ON FUNCTION app.my_protection_config() TO auditor;
GRANT ALL ON FUNCTION app.my_protection_config() TO tenant_admin;
GRANT ALL ON FUNCTION app.my_protection_config() TO svc_jobs;

--
-- Name: FUNCTION normalize_vat_id(p_vat_id text); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.normalize_vat_id(p_vat_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.normalize_vat_id(p_vat_id text) TO sales_rep;
GRANT ALL ON FUNCTION app.normalize_vat_id(p_vat_id text) TO sales_manager;
GRANT ALL ON FUNCTION app.normalize_vat_id(p_vat_id text) TO auditor;
GRANT ALL ON FUNCTION app.normalize_vat_id(p_vat_id text) TO tenant_admin;
GRANT ALL ON FUNCTION app.normalize_vat_id(p_vat_id text) TO svc_jobs;

--
-- Name: FUNCTION notice_facts(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.notice_facts(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app.notice_facts(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) TO sales_rep;
GRANT ALL ON FUNCTION app.notice_facts(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) TO sales_manager;
GRANT ALL ON FUNCTION app.notice_facts(p_lead app.leads, p_config app.protection_configs, p_at timestamp with time zone) TO tenant_admin;

--
-- Name: FUNCTION notice_subject(p_kind text, p_facts jsonb); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.notice_subject(p_kind text, p_facts jsonb) FROM PUBLIC;

--
-- Name: FUNCTION notice_text(p_kind text, p_facts jsonb); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.notice_text(p_kind text, p_facts jsonb) FROM PUBLIC;

--
-- Name: FUNCTION phase_link(p_phase_id uuid, p_token text); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.phase_link(p_phase_id uuid, p_token text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.phase_link(p_phase_id uuid, p_token text) TO sales_rep;
GRANT ALL ON FUNCTION app.phase_link(p_phase_id uuid, p_token text) TO sales_manager;
GRANT ALL ON FUNCTION app.phase_link(p_phase_id uuid, p_token text) TO auditor;
GRANT ALL ON FUNCTION app.phase_link(p_phase_id uuid, p_token text) TO tenant_admin;

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
-- Name: FUNCTION rep_can_read(p_lead_id uuid); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.rep_can_read(p_lead_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.rep_can_read(p_lead_id uuid) TO sales_rep;

--
-- Name: FUNCTION rep_hold_needs_approval(p_lead app.leads, p_reason text, p_start_at timestamp with time zone, p_end_at timestamp with time zone); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.rep_hold_needs_approval(p_lead app.leads, p_reason text, p_start_at timestamp with time zone, p_end_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app.rep_hold_needs_approval(p_lead app.leads, p_reason text, p_start_at timestamp with time zone, p_end_at timestamp with time zone) TO sales_rep;
GRANT ALL ON FUNCTION app.rep_hold_needs_approval(p_lead app.leads, p_reason text, p_start_at timestamp with time zone, p_end_at timestamp with time zone) TO sales_manager;
GRANT ALL ON FUNCTION app.rep_hold_needs_approval(p_lead app.leads, p_reason text, p_start_at timestamp with time zone, p_end_at timestamp with time zone) TO auditor;
GRANT ALL ON FUNCTION app.rep_hold_needs_approval(p_lead app.leads, p_reason text, p_start_at timestamp with time zone, p_end_at timestamp with time zone) TO tenant_admin;

--
-- Name: FUNCTION rep_owns_live_lead(p_lead_id uuid); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.rep_owns_live_lead(p_lead_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.rep_owns_live_lead(p_lead_id uuid) TO sales_rep;

--
-- Name: FUNCTION require_box_product(p_phase app.test_phases, p_sku text); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.require_box_product(p_phase app.test_phases, p_sku text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.require_box_product(p_phase app.test_phases, p_sku text) TO sales_rep;
GRANT ALL ON FUNCTION app.require_box_product(p_phase app.test_phases, p_sku text) TO sales_manager;
GRANT ALL ON FUNCTION app.require_box_product(p_phase app.test_phases, p_sku text) TO auditor;
GRANT ALL ON FUNCTION app.require_box_product(p_phase app.test_phases, p_sku text) TO tenant_admin;

--
-- Name: FUNCTION require_live(p_lead app.leads); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.require_live(p_lead app.leads) FROM PUBLIC;
GRANT ALL ON FUNCTION app.require_live(p_lead app.leads) TO sales_rep;
GRANT ALL ON FUNCTION app.require_live(p_lead app.leads) TO sales_manager;
GRANT ALL ON FUNCTION app.require_live(p_lead app.leads) TO auditor;
GRANT ALL ON FUNCTION app.require_live(p_lead app.leads) TO tenant_admin;

--
-- Name: FUNCTION require_owner_or_manager(p_lead app.leads); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.require_owner_or_manager(p_lead app.leads) FROM PUBLIC;
GRANT ALL ON FUNCTION app.require_owner_or_manager(p_lead app.leads) TO sales_rep;
GRANT ALL ON FUNCTION app.require_owner_or_manager(p_lead app.leads) TO sales_manager;
GRANT ALL ON FUNCTION app.require_owner_or_manager(p_lead app.leads) TO auditor;
GRANT ALL ON FUNCTION app.require_owner_or_manager(p_lead app.leads) TO tenant_admin;

--
-- Name: FUNCTION require_role(p_roles text[]); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.require_role(p_roles text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app.require_role(p_roles text[]) TO sales_rep;
GRANT ALL ON FUNCTION app.require_role(p_roles text[]) TO sales_manager;
GRANT ALL ON FUNCTION app.require_role(p_roles text[]) TO auditor;
GRANT ALL ON FUNCTION app.require_role(p_roles text[]) TO tenant_admin;

--
-- Name: FUNCTION sales_order_import_body(p_order app.sales_orders); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.sales_order_import_body(p_order app.sales_orders) FROM PUBLIC;
GRANT ALL ON FUNCTION app.sales_order_import_body(p_order app.sales_orders) TO svc_jobs;

--
-- Name: FUNCTION tg_api_view__read_only(); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.tg_api_view__read_only() FROM PUBLIC;
GRANT ALL ON FUNCTION app.tg_api_view__read_only() TO sales_rep;
GRANT ALL ON FUNCTION app.tg_api_view__read_only() TO sales_manager;
GRANT ALL ON FUNCTION app.tg_api_view__read_only() TO auditor;
GRANT ALL ON FUNCTION app.tg_api_view__read_only() TO tenant_admin;

--
-- Name: FUNCTION tg_holds__guard(); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.tg_holds__guard() FROM PUBLIC;

--
-- Name: FUNCTION tg_settings_values__validate(); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.tg_settings_values__validate() FROM PUBLIC;
GRANT ALL ON FUNCTION app.tg_settings_values__validate() TO tenant_admin;

--
-- Name: FUNCTION visible_phase(p_phase_id uuid); Type: ACL; Schema: app; Owner: -
--

REVOKE ALL ON FUNCTION app.visible_phase(p_phase_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.visible_phase(p_phase_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION app.visible_phase(p_phase_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION app.visible_phase(p_phase_id uuid) TO auditor;
GRANT ALL ON FUNCTION app.visible_phase(p_phase_id uuid) TO tenant_admin;

--
-- Name: FUNCTION acquire_lead(p_lead_id uuid, p_open_reason text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.acquire_lead(p_lead_id uuid, p_open_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.acquire_lead(p_lead_id uuid, p_open_reason text) TO sales_rep;
GRANT ALL ON FUNCTION app_private.acquire_lead(p_lead_id uuid, p_open_reason text) TO sales_manager;

--
-- Name: FUNCTION ai_begin(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_cache_key bytea, p_provider text, p_model text, p_tier text, p_max_input_tokens integer, p_max_output_tokens integer, p_latency_ms numeric); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.ai_begin(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_cache_key bytea, p_provider text, p_model text, p_tier text, p_max_input_tokens integer, p_max_output_tokens integer, p_latency_ms numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.ai_begin(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_cache_key bytea, p_provider text, p_model text, p_tier text, p_max_input_tokens integer, p_max_output_tokens integer, p_latency_ms numeric) TO svc_api;

--
-- Name: FUNCTION ai_budget_state(p_tenant_id uuid, p_org_id uuid, p_user_id uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.ai_budget_state(p_tenant_id uuid, p_org_id uuid, p_user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.ai_budget_state(p_tenant_id uuid, p_org_id uuid, p_user_id uuid) TO svc_api;

--
-- Name: FUNCTION ai_finish(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_reservation_id uuid, p_usage jsonb, p_prior_cost_eur numeric, p_call jsonb, p_cache_key bytea, p_cached jsonb); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.ai_finish(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_reservation_id uuid, p_usage jsonb, p_prior_cost_eur numeric, p_call jsonb, p_cache_key bytea, p_cached jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.ai_finish(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_reservation_id uuid, p_usage jsonb, p_prior_cost_eur numeric, p_call jsonb, p_cache_key bytea, p_cached jsonb) TO svc_api;

--
-- Name: FUNCTION ai_housekeeping(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.ai_housekeeping() FROM PUBLIC;

--
-- Name: FUNCTION ai_log_call(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_call jsonb); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.ai_log_call(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_call jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.ai_log_call(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_call jsonb) TO svc_api;

--
-- Name: FUNCTION ai_priced_models(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.ai_priced_models() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.ai_priced_models() TO svc_api;

--
-- Name: FUNCTION ai_process_settings(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.ai_process_settings() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.ai_process_settings() TO svc_api;

--
-- Name: FUNCTION ai_reserve(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_provider text, p_model text, p_tier text, p_max_input_tokens integer, p_max_output_tokens integer); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.ai_reserve(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_provider text, p_model text, p_tier text, p_max_input_tokens integer, p_max_output_tokens integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.ai_reserve(p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_provider text, p_model text, p_tier text, p_max_input_tokens integer, p_max_output_tokens integer) TO svc_api;

--
-- Name: FUNCTION ai_settle(p_reservation_id uuid, p_input_tokens integer, p_cached_input_tokens integer, p_cache_write_tokens integer, p_output_tokens integer); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.ai_settle(p_reservation_id uuid, p_input_tokens integer, p_cached_input_tokens integer, p_cache_write_tokens integer, p_output_tokens integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.ai_settle(p_reservation_id uuid, p_input_tokens integer, p_cached_input_tokens integer, p_cache_write_tokens integer, p_output_tokens integer) TO svc_api;

--
-- Name: FUNCTION ai_store_calibration(p_use_case text, p_provider text, p_model text, p_prompt_version text, p_map jsonb, p_report jsonb); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.ai_store_calibration(p_use_case text, p_provider text, p_model text, p_prompt_version text, p_map jsonb, p_report jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.ai_store_calibration(p_use_case text, p_provider text, p_model text, p_prompt_version text, p_map jsonb, p_report jsonb) TO svc_api;

--
-- Name: FUNCTION ai_usage_cost(p_provider text, p_model text, p_input integer, p_cached_input integer, p_cache_write integer, p_output integer); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.ai_usage_cost(p_provider text, p_model text, p_input integer, p_cached_input integer, p_cache_write integer, p_output integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.ai_usage_cost(p_provider text, p_model text, p_input integer, p_cached_input integer, p_cache_write integer, p_output integer) TO svc_api;

--
-- Name: FUNCTION alert_conditions(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.alert_conditions() FROM PUBLIC;

--
-- Name: FUNCTION alert_text(p_alert text, p_subject text, p_value double precision, p_threshold double precision); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.alert_text(p_alert text, p_subject text, p_value double precision, p_threshold double precision) FROM PUBLIC;

--
-- Name: TABLE kpi_daily; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.kpi_daily TO sales_manager;
GRANT SELECT ON TABLE app.kpi_daily TO auditor;
GRANT SELECT ON TABLE app.kpi_daily TO tenant_admin;

--
-- Name: FUNCTION analyst_kpi_daily(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.analyst_kpi_daily() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.analyst_kpi_daily() TO reporting_reader;

--
-- Name: FUNCTION analyst_limit_seconds(p_login text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.analyst_limit_seconds(p_login text) FROM PUBLIC;

--
-- Name: FUNCTION analyst_rep_weekly(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.analyst_rep_weekly() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.analyst_rep_weekly() TO reporting_reader;

--
-- Name: FUNCTION analyst_tenant(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.analyst_tenant() FROM PUBLIC;

--
-- Name: FUNCTION apply_analyst_settings(p_login text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.apply_analyst_settings(p_login text) FROM PUBLIC;

--
-- Name: FUNCTION assign_inbound_mail(p_mail_id uuid, p_lead_id uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.assign_inbound_mail(p_mail_id uuid, p_lead_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.assign_inbound_mail(p_mail_id uuid, p_lead_id uuid) TO sales_manager;

--
-- Name: FUNCTION audit(p_tenant_id uuid, p_action text, p_entity_type text, p_entity_id uuid, p_lead_id uuid, p_before jsonb, p_after jsonb, p_reason text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.audit(p_tenant_id uuid, p_action text, p_entity_type text, p_entity_id uuid, p_lead_id uuid, p_before jsonb, p_after jsonb, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.audit(p_tenant_id uuid, p_action text, p_entity_type text, p_entity_id uuid, p_lead_id uuid, p_before jsonb, p_after jsonb, p_reason text) TO sales_rep;
GRANT ALL ON FUNCTION app_private.audit(p_tenant_id uuid, p_action text, p_entity_type text, p_entity_id uuid, p_lead_id uuid, p_before jsonb, p_after jsonb, p_reason text) TO sales_manager;
GRANT ALL ON FUNCTION app_private.audit(p_tenant_id uuid, p_action text, p_entity_type text, p_entity_id uuid, p_lead_id uuid, p_before jsonb, p_after jsonb, p_reason text) TO auditor;
GRANT ALL ON FUNCTION app_private.audit(p_tenant_id uuid, p_action text, p_entity_type text, p_entity_id uuid, p_lead_id uuid, p_before jsonb, p_after jsonb, p_reason text) TO tenant_admin;

--
-- Name: FUNCTION backdate_lead(p_lead_id uuid, p_registered_at timestamp with time zone, p_reason text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.backdate_lead(p_lead_id uuid, p_registered_at timestamp with time zone, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.backdate_lead(p_lead_id uuid, p_registered_at timestamp with time zone, p_reason text) TO sales_manager;
GRANT ALL ON FUNCTION app_private.backdate_lead(p_lead_id uuid, p_registered_at timestamp with time zone, p_reason text) TO tenant_admin;

--
-- Name: FUNCTION cancel_long_analyst_queries(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.cancel_long_analyst_queries() FROM PUBLIC;

--
-- Name: FUNCTION cancel_sales_order(p_order_id uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.cancel_sales_order(p_order_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.cancel_sales_order(p_order_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION app_private.cancel_sales_order(p_order_id uuid) TO sales_manager;

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
-- Name: TABLE lead_assignments; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.lead_assignments TO sales_rep;
GRANT SELECT ON TABLE app.lead_assignments TO sales_manager;
GRANT SELECT ON TABLE app.lead_assignments TO auditor;
GRANT SELECT ON TABLE app.lead_assignments TO tenant_admin;

--
-- Name: FUNCTION close_assignment(p_lead_id uuid, p_release_reason text, p_protection_ended_at timestamp with time zone, p_as_system boolean); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.close_assignment(p_lead_id uuid, p_release_reason text, p_protection_ended_at timestamp with time zone, p_as_system boolean) FROM PUBLIC;

--
-- Name: FUNCTION close_capped_holds(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.close_capped_holds() FROM PUBLIC;

--
-- Name: FUNCTION collaborator_role(p_lead_id uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.collaborator_role(p_lead_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.collaborator_role(p_lead_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION app_private.collaborator_role(p_lead_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION app_private.collaborator_role(p_lead_id uuid) TO auditor;
GRANT ALL ON FUNCTION app_private.collaborator_role(p_lead_id uuid) TO tenant_admin;

--
-- Name: FUNCTION connector_health(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.connector_health() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.connector_health() TO svc_api;

--
-- Name: FUNCTION create_analyst(p_login text, p_tenant_slug text, p_verifier text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.create_analyst(p_login text, p_tenant_slug text, p_verifier text) FROM PUBLIC;

--
-- Name: FUNCTION credit_check_found(p_lead_id uuid, p_since timestamp with time zone, p_started timestamp with time zone); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.credit_check_found(p_lead_id uuid, p_since timestamp with time zone, p_started timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.credit_check_found(p_lead_id uuid, p_since timestamp with time zone, p_started timestamp with time zone) TO svc_api;

--
-- Name: FUNCTION credit_check_last(p_lead_id uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.credit_check_last(p_lead_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.credit_check_last(p_lead_id uuid) TO svc_api;

--
-- Name: FUNCTION credit_check_lock(p_tenant_id uuid, p_company_key text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.credit_check_lock(p_tenant_id uuid, p_company_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.credit_check_lock(p_tenant_id uuid, p_company_key text) TO svc_api;

--
-- Name: FUNCTION credit_check_of_company(p_tenant_id uuid, p_company_id text, p_since timestamp with time zone); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.credit_check_of_company(p_tenant_id uuid, p_company_id text, p_since timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.credit_check_of_company(p_tenant_id uuid, p_company_id text, p_since timestamp with time zone) TO svc_api;

--
-- Name: FUNCTION credit_check_pending_job(p_tenant_id uuid, p_company_id text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.credit_check_pending_job(p_tenant_id uuid, p_company_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.credit_check_pending_job(p_tenant_id uuid, p_company_id text) TO svc_api;

--
-- Name: FUNCTION credit_check_store(p_tenant_id uuid, p_lead_id uuid, p_user_id uuid, p_result jsonb, p_source text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.credit_check_store(p_tenant_id uuid, p_lead_id uuid, p_user_id uuid, p_result jsonb, p_source text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.credit_check_store(p_tenant_id uuid, p_lead_id uuid, p_user_id uuid, p_result jsonb, p_source text) TO svc_api;

--
-- Name: FUNCTION credit_check_unlock(p_tenant_id uuid, p_company_key text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.credit_check_unlock(p_tenant_id uuid, p_company_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.credit_check_unlock(p_tenant_id uuid, p_company_key text) TO svc_api;

--
-- Name: FUNCTION credit_limit_decided(p_request_id uuid, p_state text, p_agreed_eur numeric, p_decision text, p_error text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.credit_limit_decided(p_request_id uuid, p_state text, p_agreed_eur numeric, p_decision text, p_error text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.credit_limit_decided(p_request_id uuid, p_state text, p_agreed_eur numeric, p_decision text, p_error text) TO svc_jobs;

--
-- Name: FUNCTION credit_limit_for_job(p_request_id uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.credit_limit_for_job(p_request_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.credit_limit_for_job(p_request_id uuid) TO svc_jobs;

--
-- Name: FUNCTION credit_limit_poll_later(p_request_id uuid, p_allianz_job_id text, p_base_seconds numeric); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.credit_limit_poll_later(p_request_id uuid, p_allianz_job_id text, p_base_seconds numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.credit_limit_poll_later(p_request_id uuid, p_allianz_job_id text, p_base_seconds numeric) TO svc_jobs;

--
-- Name: FUNCTION credit_limit_unsent(p_request_id uuid, p_error text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.credit_limit_unsent(p_request_id uuid, p_error text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.credit_limit_unsent(p_request_id uuid, p_error text) TO svc_jobs;

--
-- Name: FUNCTION deliver_notices(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.deliver_notices() FROM PUBLIC;

--
-- Name: FUNCTION drop_analyst(p_login text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.drop_analyst(p_login text) FROM PUBLIC;

--
-- Name: FUNCTION duplicate_of(p_dup_key text, p_vat_key text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.duplicate_of(p_dup_key text, p_vat_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.duplicate_of(p_dup_key text, p_vat_key text) TO sales_rep;
GRANT ALL ON FUNCTION app_private.duplicate_of(p_dup_key text, p_vat_key text) TO sales_manager;
GRANT ALL ON FUNCTION app_private.duplicate_of(p_dup_key text, p_vat_key text) TO auditor;
GRANT ALL ON FUNCTION app_private.duplicate_of(p_dup_key text, p_vat_key text) TO tenant_admin;

--
-- Name: FUNCTION end_overrunning_analyst_sessions(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.end_overrunning_analyst_sessions() FROM PUBLIC;

--
-- Name: FUNCTION enqueue_mailbox_job(p_kind text, p_connector text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.enqueue_mailbox_job(p_kind text, p_connector text) FROM PUBLIC;

--
-- Name: FUNCTION enqueue_product_syncs(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.enqueue_product_syncs() FROM PUBLIC;

--
-- Name: FUNCTION escalate_extension_requests(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.escalate_extension_requests() FROM PUBLIC;

--
-- Name: FUNCTION evaluate_alerts(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.evaluate_alerts() FROM PUBLIC;

--
-- Name: FUNCTION expire_lead_now(p_lead_id uuid, p_reason text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.expire_lead_now(p_lead_id uuid, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.expire_lead_now(p_lead_id uuid, p_reason text) TO sales_manager;
GRANT ALL ON FUNCTION app_private.expire_lead_now(p_lead_id uuid, p_reason text) TO tenant_admin;

--
-- Name: FUNCTION fail_job(p_job_id bigint, p_error text, p_permanent boolean, p_max_attempts integer, p_retry_base_seconds numeric); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.fail_job(p_job_id bigint, p_error text, p_permanent boolean, p_max_attempts integer, p_retry_base_seconds numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.fail_job(p_job_id bigint, p_error text, p_permanent boolean, p_max_attempts integer, p_retry_base_seconds numeric) TO svc_jobs;

--
-- Name: FUNCTION feedback_form(p_token_hash bytea); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.feedback_form(p_token_hash bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.feedback_form(p_token_hash bytea) TO svc_api;

--
-- Name: FUNCTION finish_imap_run(p_mailbox text, p_result jsonb); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.finish_imap_run(p_mailbox text, p_result jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.finish_imap_run(p_mailbox text, p_result jsonb) TO svc_jobs;

--
-- Name: FUNCTION finish_job(p_job_id bigint); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.finish_job(p_job_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.finish_job(p_job_id bigint) TO svc_jobs;

--
-- Name: FUNCTION finish_product_sync(p_tenant_id uuid, p_started_at timestamp with time zone, p_full_pull boolean, p_listed text[], p_result jsonb); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.finish_product_sync(p_tenant_id uuid, p_started_at timestamp with time zone, p_full_pull boolean, p_listed text[], p_result jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.finish_product_sync(p_tenant_id uuid, p_started_at timestamp with time zone, p_full_pull boolean, p_listed text[], p_result jsonb) TO svc_jobs;

--
-- Name: FUNCTION imap_flagged(p_mailbox text, p_uid bigint); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.imap_flagged(p_mailbox text, p_uid bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.imap_flagged(p_mailbox text, p_uid bigint) TO svc_jobs;

--
-- Name: FUNCTION imap_mailbox_state(p_mailbox text, p_tenant_slug text, p_uidvalidity bigint); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.imap_mailbox_state(p_mailbox text, p_tenant_slug text, p_uidvalidity bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.imap_mailbox_state(p_mailbox text, p_tenant_slug text, p_uidvalidity bigint) TO svc_jobs;

--
-- Name: FUNCTION issue_feedback_token(p_phase_id uuid, p_action text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.issue_feedback_token(p_phase_id uuid, p_action text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.issue_feedback_token(p_phase_id uuid, p_action text) TO sales_rep;
GRANT ALL ON FUNCTION app_private.issue_feedback_token(p_phase_id uuid, p_action text) TO sales_manager;

--
-- Name: FUNCTION job_health(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.job_health() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.job_health() TO svc_api;
GRANT ALL ON FUNCTION app_private.job_health() TO tenant_admin;

--
-- Name: FUNCTION link_xentral_customer(p_lead_id uuid, p_customer_id text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.link_xentral_customer(p_lead_id uuid, p_customer_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.link_xentral_customer(p_lead_id uuid, p_customer_id text) TO sales_rep;
GRANT ALL ON FUNCTION app_private.link_xentral_customer(p_lead_id uuid, p_customer_id text) TO sales_manager;

--
-- Name: FUNCTION lock_lead(p_lead_id uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.lock_lead(p_lead_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.lock_lead(p_lead_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION app_private.lock_lead(p_lead_id uuid) TO sales_manager;
GRANT ALL ON FUNCTION app_private.lock_lead(p_lead_id uuid) TO auditor;
GRANT ALL ON FUNCTION app_private.lock_lead(p_lead_id uuid) TO tenant_admin;

--
-- Name: FUNCTION log_mail_received(p_mail app.inbound_mails); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.log_mail_received(p_mail app.inbound_mails) FROM PUBLIC;

--
-- Name: FUNCTION mail_to_classify(p_mail_id uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.mail_to_classify(p_mail_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.mail_to_classify(p_mail_id uuid) TO svc_jobs;

--
-- Name: FUNCTION metric_samples(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.metric_samples() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.metric_samples() TO svc_api;

--
-- Name: FUNCTION my_collaborations(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.my_collaborations() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.my_collaborations() TO sales_rep;
GRANT ALL ON FUNCTION app_private.my_collaborations() TO sales_manager;
GRANT ALL ON FUNCTION app_private.my_collaborations() TO auditor;
GRANT ALL ON FUNCTION app_private.my_collaborations() TO tenant_admin;

--
-- Name: FUNCTION my_tenants_lead(p_lead_id uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.my_tenants_lead(p_lead_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION notify(p_tenant_id uuid, p_user_id uuid, p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.notify(p_tenant_id uuid, p_user_id uuid, p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.notify(p_tenant_id uuid, p_user_id uuid, p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text) TO sales_rep;
GRANT ALL ON FUNCTION app_private.notify(p_tenant_id uuid, p_user_id uuid, p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text) TO sales_manager;
GRANT ALL ON FUNCTION app_private.notify(p_tenant_id uuid, p_user_id uuid, p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text) TO auditor;
GRANT ALL ON FUNCTION app_private.notify(p_tenant_id uuid, p_user_id uuid, p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text) TO tenant_admin;
GRANT ALL ON FUNCTION app_private.notify(p_tenant_id uuid, p_user_id uuid, p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text) TO svc_api;
GRANT ALL ON FUNCTION app_private.notify(p_tenant_id uuid, p_user_id uuid, p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text) TO svc_jobs;

--
-- Name: FUNCTION notify_roles(p_tenant_id uuid, p_roles text[], p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.notify_roles(p_tenant_id uuid, p_roles text[], p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.notify_roles(p_tenant_id uuid, p_roles text[], p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text) TO sales_rep;
GRANT ALL ON FUNCTION app_private.notify_roles(p_tenant_id uuid, p_roles text[], p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text) TO sales_manager;
GRANT ALL ON FUNCTION app_private.notify_roles(p_tenant_id uuid, p_roles text[], p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text) TO auditor;
GRANT ALL ON FUNCTION app_private.notify_roles(p_tenant_id uuid, p_roles text[], p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text) TO tenant_admin;
GRANT ALL ON FUNCTION app_private.notify_roles(p_tenant_id uuid, p_roles text[], p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text) TO svc_api;
GRANT ALL ON FUNCTION app_private.notify_roles(p_tenant_id uuid, p_roles text[], p_kind text, p_lead_id uuid, p_subject text, p_body text, p_dedupe_key text) TO svc_jobs;

--
-- Name: FUNCTION open_assignment(p_lead_id uuid, p_owner_id uuid, p_registered_at timestamp with time zone, p_open_reason text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.open_assignment(p_lead_id uuid, p_owner_id uuid, p_registered_at timestamp with time zone, p_open_reason text) FROM PUBLIC;

--
-- Name: FUNCTION phase_for_sample_write(p_phase_id uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.phase_for_sample_write(p_phase_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION place_sales_order(p_lead_id uuid, p_items jsonb, p_note text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.place_sales_order(p_lead_id uuid, p_items jsonb, p_note text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.place_sales_order(p_lead_id uuid, p_items jsonb, p_note text) TO sales_rep;
GRANT ALL ON FUNCTION app_private.place_sales_order(p_lead_id uuid, p_items jsonb, p_note text) TO sales_manager;

--
-- Name: FUNCTION product_items(p_items jsonb); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.product_items(p_items jsonb) FROM PUBLIC;

--
-- Name: FUNCTION product_sync_plan(p_tenant_id uuid, p_overlap interval); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.product_sync_plan(p_tenant_id uuid, p_overlap interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.product_sync_plan(p_tenant_id uuid, p_overlap interval) TO svc_jobs;

--
-- Name: FUNCTION pseudonymize_inbound_mails(p_leads uuid[]); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.pseudonymize_inbound_mails(p_leads uuid[]) FROM PUBLIC;

--
-- Name: FUNCTION pseudonymize_released_leads(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.pseudonymize_released_leads() FROM PUBLIC;

--
-- Name: FUNCTION purge_cron_log(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.purge_cron_log() FROM PUBLIC;

--
-- Name: FUNCTION queue_mail_classification(p_mail app.inbound_mails); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.queue_mail_classification(p_mail app.inbound_mails) FROM PUBLIC;

--
-- Name: FUNCTION reap_stale_jobs(p_after interval); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.reap_stale_jobs(p_after interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.reap_stale_jobs(p_after interval) TO svc_jobs;

--
-- Name: FUNCTION reassign_lead(p_lead_id uuid, p_new_owner_id uuid, p_reason text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.reassign_lead(p_lead_id uuid, p_new_owner_id uuid, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.reassign_lead(p_lead_id uuid, p_new_owner_id uuid, p_reason text) TO sales_manager;
GRANT ALL ON FUNCTION app_private.reassign_lead(p_lead_id uuid, p_new_owner_id uuid, p_reason text) TO tenant_admin;

--
-- Name: FUNCTION record_connector_calls(p_tenant_id uuid, p_connector text, p_calls jsonb); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.record_connector_calls(p_tenant_id uuid, p_connector text, p_calls jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.record_connector_calls(p_tenant_id uuid, p_connector text, p_calls jsonb) TO svc_api;
GRANT ALL ON FUNCTION app_private.record_connector_calls(p_tenant_id uuid, p_connector text, p_calls jsonb) TO svc_jobs;

--
-- Name: FUNCTION record_connector_error(p_tenant_id uuid, p_connector text, p_error text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.record_connector_error(p_tenant_id uuid, p_connector text, p_error text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.record_connector_error(p_tenant_id uuid, p_connector text, p_error text) TO svc_jobs;
GRANT ALL ON FUNCTION app_private.record_connector_error(p_tenant_id uuid, p_connector text, p_error text) TO svc_api;

--
-- Name: FUNCTION record_connector_success(p_tenant_id uuid, p_connector text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.record_connector_success(p_tenant_id uuid, p_connector text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.record_connector_success(p_tenant_id uuid, p_connector text) TO svc_jobs;
GRANT ALL ON FUNCTION app_private.record_connector_success(p_tenant_id uuid, p_connector text) TO svc_api;

--
-- Name: FUNCTION record_imap_error(p_mailbox text, p_error text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.record_imap_error(p_mailbox text, p_error text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.record_imap_error(p_mailbox text, p_error text) TO svc_jobs;

--
-- Name: FUNCTION record_kas_error(p_tenant_slug text, p_error text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.record_kas_error(p_tenant_slug text, p_error text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.record_kas_error(p_tenant_slug text, p_error text) TO svc_jobs;

--
-- Name: FUNCTION record_mail_classification(p_mail_id uuid, p_outcome jsonb); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.record_mail_classification(p_mail_id uuid, p_outcome jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.record_mail_classification(p_mail_id uuid, p_outcome jsonb) TO svc_jobs;

--
-- Name: FUNCTION refresh_leads_state(p_lead_ids uuid[]); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.refresh_leads_state(p_lead_ids uuid[]) FROM PUBLIC;

--
-- Name: FUNCTION refresh_protection_configs(p_tenant_id uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.refresh_protection_configs(p_tenant_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION release_lead(p_lead_id uuid, p_release_reason text, p_as_system boolean, p_reason text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.release_lead(p_lead_id uuid, p_release_reason text, p_as_system boolean, p_reason text) FROM PUBLIC;

--
-- Name: FUNCTION repeated_submission(p_token_hash bytea, p_key uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.repeated_submission(p_token_hash bytea, p_key uuid) FROM PUBLIC;

--
-- Name: FUNCTION report_connectors(p_configured jsonb); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.report_connectors(p_configured jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.report_connectors(p_configured jsonb) TO svc_jobs;

--
-- Name: FUNCTION report_stale_jobs(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.report_stale_jobs() FROM PUBLIC;

--
-- Name: FUNCTION request_credit_limit(p_check_id uuid, p_amount_eur numeric); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.request_credit_limit(p_check_id uuid, p_amount_eur numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.request_credit_limit(p_check_id uuid, p_amount_eur numeric) TO sales_rep;
GRANT ALL ON FUNCTION app_private.request_credit_limit(p_check_id uuid, p_amount_eur numeric) TO sales_manager;

--
-- Name: FUNCTION request_sync(p_kind text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.request_sync(p_kind text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.request_sync(p_kind text) TO tenant_admin;

--
-- Name: FUNCTION requeue_job(p_job_id bigint); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.requeue_job(p_job_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.requeue_job(p_job_id bigint) TO tenant_admin;

--
-- Name: FUNCTION require_our_caller(p_stack text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.require_our_caller(p_stack text) FROM PUBLIC;

--
-- Name: FUNCTION retire_feedback_tokens(p_phase_id uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.retire_feedback_tokens(p_phase_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION retire_lead_feedback_tokens(p_lead_id uuid, p_cause text, p_as_system boolean); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.retire_lead_feedback_tokens(p_lead_id uuid, p_cause text, p_as_system boolean) FROM PUBLIC;

--
-- Name: FUNCTION revoke_feedback_token(p_phase_id uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.revoke_feedback_token(p_phase_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.revoke_feedback_token(p_phase_id uuid) TO sales_rep;
GRANT ALL ON FUNCTION app_private.revoke_feedback_token(p_phase_id uuid) TO sales_manager;

--
-- Name: FUNCTION run_job(p_job text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.run_job(p_job text) FROM PUBLIC;

--
-- Name: FUNCTION sales_order_delayed(p_order_id uuid, p_error text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.sales_order_delayed(p_order_id uuid, p_error text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.sales_order_delayed(p_order_id uuid, p_error text) TO svc_jobs;

--
-- Name: FUNCTION sales_order_for_submission(p_order_id uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.sales_order_for_submission(p_order_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.sales_order_for_submission(p_order_id uuid) TO svc_jobs;

--
-- Name: FUNCTION sales_order_refused(p_order_id uuid, p_message text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.sales_order_refused(p_order_id uuid, p_message text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.sales_order_refused(p_order_id uuid, p_message text) TO svc_jobs;

--
-- Name: FUNCTION sales_order_submitted(p_order_id uuid, p_xentral_id text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.sales_order_submitted(p_order_id uuid, p_xentral_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.sales_order_submitted(p_order_id uuid, p_xentral_id text) TO svc_jobs;

--
-- Name: FUNCTION similar_leads(p_name_key text, p_area text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.similar_leads(p_name_key text, p_area text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.similar_leads(p_name_key text, p_area text) TO sales_rep;
GRANT ALL ON FUNCTION app_private.similar_leads(p_name_key text, p_area text) TO sales_manager;
GRANT ALL ON FUNCTION app_private.similar_leads(p_name_key text, p_area text) TO auditor;
GRANT ALL ON FUNCTION app_private.similar_leads(p_name_key text, p_area text) TO tenant_admin;

--
-- Name: FUNCTION snapshot_kpis(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.snapshot_kpis() FROM PUBLIC;

--
-- Name: FUNCTION snapshot_rep_weekly(p_tenant_id uuid, p_week date); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.snapshot_rep_weekly(p_tenant_id uuid, p_week date) FROM PUBLIC;

--
-- Name: FUNCTION snapshot_tenant_kpis(p_tenant_id uuid, p_day date, p_now timestamp with time zone); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.snapshot_tenant_kpis(p_tenant_id uuid, p_day date, p_now timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION start_job(p_job_id bigint); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.start_job(p_job_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.start_job(p_job_id bigint) TO svc_jobs;

--
-- Name: FUNCTION store_inbound_mail(p_mailbox text, p_uidvalidity bigint, p_uid bigint, p_mail jsonb); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.store_inbound_mail(p_mailbox text, p_uidvalidity bigint, p_uid bigint, p_mail jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.store_inbound_mail(p_mailbox text, p_uidvalidity bigint, p_uid bigint, p_mail jsonb) TO svc_jobs;

--
-- Name: FUNCTION store_mailbox_quota(p_tenant_slug text, p_mail_login text, p_quota jsonb); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.store_mailbox_quota(p_tenant_slug text, p_mail_login text, p_quota jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.store_mailbox_quota(p_tenant_slug text, p_mail_login text, p_quota jsonb) TO svc_jobs;

--
-- Name: FUNCTION submit_feedback(p_token_hash bytea, p_submission jsonb); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.submit_feedback(p_token_hash bytea, p_submission jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.submit_feedback(p_token_hash bytea, p_submission jsonb) TO svc_api;

--
-- Name: FUNCTION sweep_protection(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.sweep_protection() FROM PUBLIC;

--
-- Name: FUNCTION take_job(p_kinds text[], p_worker text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.take_job(p_kinds text[], p_worker text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.take_job(p_kinds text[], p_worker text) TO svc_jobs;

--
-- Name: FUNCTION tg_activity_kinds__refresh_leads(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_activity_kinds__refresh_leads() FROM PUBLIC;

--
-- Name: FUNCTION tg_audit_log__refuse_change(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_audit_log__refuse_change() FROM PUBLIC;

--
-- Name: FUNCTION tg_connector_states__down_since(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_connector_states__down_since() FROM PUBLIC;

--
-- Name: FUNCTION tg_jobs__forget_link(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_jobs__forget_link() FROM PUBLIC;

--
-- Name: FUNCTION tg_jobs__mail_texts(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_jobs__mail_texts() FROM PUBLIC;

--
-- Name: FUNCTION tg_jobs__wake_workers(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_jobs__wake_workers() FROM PUBLIC;

--
-- Name: FUNCTION tg_lead_source__refresh(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_lead_source__refresh() FROM PUBLIC;

--
-- Name: FUNCTION tg_protection_configs__refresh_leads(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_protection_configs__refresh_leads() FROM PUBLIC;

--
-- Name: FUNCTION tg_samples__same_box_lead(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_samples__same_box_lead() FROM PUBLIC;

--
-- Name: FUNCTION tg_samples__same_phase_lead(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_samples__same_phase_lead() FROM PUBLIC;

--
-- Name: FUNCTION tg_settings__refresh_configs(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_settings__refresh_configs() FROM PUBLIC;

--
-- Name: FUNCTION tg_tenants__create_config(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_tenants__create_config() FROM PUBLIC;

--
-- Name: FUNCTION tg_tenants__seed_activity_kinds(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_tenants__seed_activity_kinds() FROM PUBLIC;

--
-- Name: FUNCTION tg_users__audit(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_users__audit() FROM PUBLIC;

--
-- Name: FUNCTION token_claims(p_email text, p_tenant_slug text); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.token_claims(p_email text, p_tenant_slug text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.token_claims(p_email text, p_tenant_slug text) TO svc_api;

--
-- Name: FUNCTION upsert_products(p_tenant_id uuid, p_items jsonb); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.upsert_products(p_tenant_id uuid, p_items jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.upsert_products(p_tenant_id uuid, p_items jsonb) TO svc_jobs;

--
-- Name: FUNCTION worker_health(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.worker_health() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.worker_health() TO svc_api;

--
-- Name: FUNCTION write_audit(p_tenant_id uuid, p_action text, p_entity_type text, p_entity_id uuid, p_lead_id uuid, p_before jsonb, p_after jsonb, p_reason text, p_as_system boolean); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.write_audit(p_tenant_id uuid, p_action text, p_entity_type text, p_entity_id uuid, p_lead_id uuid, p_before jsonb, p_after jsonb, p_reason text, p_as_system boolean) FROM PUBLIC;

--
-- Name: TABLE ai_budget_months; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.ai_budget_months TO sales_rep;
GRANT SELECT ON TABLE app.ai_budget_months TO sales_manager;
GRANT SELECT ON TABLE app.ai_budget_months TO auditor;
GRANT SELECT ON TABLE app.ai_budget_months TO tenant_admin;

--
-- Name: TABLE ai_reservations; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.ai_reservations TO sales_rep;
GRANT SELECT ON TABLE app.ai_reservations TO sales_manager;
GRANT SELECT ON TABLE app.ai_reservations TO auditor;
GRANT SELECT ON TABLE app.ai_reservations TO tenant_admin;

--
-- Name: TABLE orgs; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.orgs TO sales_rep;
GRANT SELECT ON TABLE app.orgs TO sales_manager;
GRANT SELECT ON TABLE app.orgs TO auditor;
GRANT SELECT ON TABLE app.orgs TO tenant_admin;

--
-- Name: TABLE ai_budget; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.ai_budget TO sales_rep;
GRANT SELECT ON TABLE api.ai_budget TO sales_manager;
GRANT SELECT ON TABLE api.ai_budget TO auditor;
GRANT SELECT ON TABLE api.ai_budget TO tenant_admin;

--
-- Name: TABLE ai_calls; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.ai_calls TO sales_rep;
GRANT SELECT ON TABLE app.ai_calls TO sales_manager;
GRANT SELECT ON TABLE app.ai_calls TO auditor;
GRANT SELECT ON TABLE app.ai_calls TO tenant_admin;

--
-- Name: TABLE ai_calls; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.ai_calls TO sales_rep;
GRANT SELECT ON TABLE api.ai_calls TO sales_manager;
GRANT SELECT ON TABLE api.ai_calls TO auditor;
GRANT SELECT ON TABLE api.ai_calls TO tenant_admin;

--
-- Name: TABLE alert_states; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.alert_states TO sales_manager;
GRANT SELECT ON TABLE app.alert_states TO auditor;
GRANT SELECT ON TABLE app.alert_states TO tenant_admin;

--
-- Name: TABLE alerts; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.alerts TO sales_manager;
GRANT SELECT ON TABLE api.alerts TO auditor;
GRANT SELECT ON TABLE api.alerts TO tenant_admin;

--
-- Name: TABLE credit_limit_requests; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.credit_limit_requests TO sales_rep;
GRANT SELECT ON TABLE app.credit_limit_requests TO sales_manager;
GRANT SELECT ON TABLE app.credit_limit_requests TO auditor;
GRANT SELECT ON TABLE app.credit_limit_requests TO tenant_admin;

--
-- Name: TABLE credit_checks; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.credit_checks TO sales_rep;
GRANT SELECT ON TABLE api.credit_checks TO sales_manager;
GRANT SELECT ON TABLE api.credit_checks TO auditor;
GRANT SELECT ON TABLE api.credit_checks TO tenant_admin;

--
-- Name: TABLE connector_states; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.connector_states TO tenant_admin;

--
-- Name: TABLE connectors; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.connectors TO svc_api;
GRANT SELECT ON TABLE app.connectors TO svc_jobs;
GRANT SELECT ON TABLE app.connectors TO tenant_admin;

--
-- Name: TABLE integration_status; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.integration_status TO tenant_admin;

--
-- Name: TABLE kpi_daily; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.kpi_daily TO sales_manager;
GRANT SELECT ON TABLE api.kpi_daily TO auditor;
GRANT SELECT ON TABLE api.kpi_daily TO tenant_admin;

--
-- Name: TABLE lead_pool; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.lead_pool TO sales_rep;
GRANT SELECT ON TABLE api.lead_pool TO sales_manager;
GRANT SELECT ON TABLE api.lead_pool TO auditor;
GRANT SELECT ON TABLE api.lead_pool TO tenant_admin;

--
-- Name: TABLE products; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.products TO sales_rep;
GRANT SELECT ON TABLE api.products TO sales_manager;
GRANT SELECT ON TABLE api.products TO auditor;
GRANT SELECT ON TABLE api.products TO tenant_admin;

--
-- Name: TABLE settings_registry; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.settings_registry TO sales_rep;
GRANT SELECT ON TABLE app.settings_registry TO sales_manager;
GRANT SELECT ON TABLE app.settings_registry TO auditor;
GRANT SELECT ON TABLE app.settings_registry TO tenant_admin;
GRANT SELECT ON TABLE app.settings_registry TO svc_jobs;

--
-- Name: TABLE settings_effective; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.settings_effective TO sales_rep;
GRANT SELECT ON TABLE api.settings_effective TO sales_manager;
GRANT SELECT ON TABLE api.settings_effective TO auditor;
GRANT SELECT ON TABLE api.settings_effective TO tenant_admin;

--
-- Name: TABLE user_accounts; Type: ACL; Schema: api; Owner: -
--

GRANT SELECT ON TABLE api.user_accounts TO sales_manager;
GRANT SELECT ON TABLE api.user_accounts TO auditor;
GRANT SELECT ON TABLE api.user_accounts TO tenant_admin;

--
-- Name: TABLE ai_calibrations; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.ai_calibrations TO svc_api;
GRANT SELECT ON TABLE app.ai_calibrations TO sales_manager;
GRANT SELECT ON TABLE app.ai_calibrations TO auditor;
GRANT SELECT ON TABLE app.ai_calibrations TO tenant_admin;

--
-- Name: TABLE ai_model_prices; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.ai_model_prices TO svc_api;
GRANT SELECT ON TABLE app.ai_model_prices TO sales_manager;
GRANT SELECT ON TABLE app.ai_model_prices TO auditor;
GRANT SELECT ON TABLE app.ai_model_prices TO tenant_admin;

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
-- Name: TABLE job_heartbeats; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.job_heartbeats TO tenant_admin;
GRANT SELECT ON TABLE app.job_heartbeats TO svc_api;

--
-- Name: TABLE job_kinds; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.job_kinds TO tenant_admin;
GRANT SELECT ON TABLE app.job_kinds TO svc_jobs;

--
-- Name: TABLE protection_overrides; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.protection_overrides TO sales_manager;
GRANT SELECT ON TABLE app.protection_overrides TO auditor;
GRANT SELECT ON TABLE app.protection_overrides TO tenant_admin;

--
-- Name: COLUMN protection_overrides.tenant_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(tenant_id) ON TABLE app.protection_overrides TO sales_manager;

--
-- Name: COLUMN protection_overrides.lead_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(lead_id) ON TABLE app.protection_overrides TO sales_manager;

--
-- Name: COLUMN protection_overrides.assignment_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(assignment_id) ON TABLE app.protection_overrides TO sales_manager;

--
-- Name: COLUMN protection_overrides.until; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(until) ON TABLE app.protection_overrides TO sales_manager;

--
-- Name: COLUMN protection_overrides.reason; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(reason) ON TABLE app.protection_overrides TO sales_manager;

--
-- Name: COLUMN protection_overrides.created_by; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(created_by) ON TABLE app.protection_overrides TO sales_manager;

--
-- Name: TABLE mailbox_quotas; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.mailbox_quotas TO tenant_admin;

--
-- Name: TABLE protection_notices; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.protection_notices TO sales_manager;
GRANT SELECT ON TABLE app.protection_notices TO auditor;
GRANT SELECT ON TABLE app.protection_notices TO tenant_admin;

--
-- Name: TABLE settings_values; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.settings_values TO sales_rep;
GRANT SELECT ON TABLE app.settings_values TO sales_manager;
GRANT SELECT ON TABLE app.settings_values TO auditor;
GRANT SELECT,DELETE ON TABLE app.settings_values TO tenant_admin;

--
-- Name: COLUMN settings_values.key; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(key) ON TABLE app.settings_values TO tenant_admin;

--
-- Name: COLUMN settings_values.scope; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(scope) ON TABLE app.settings_values TO tenant_admin;

--
-- Name: COLUMN settings_values.tenant_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(tenant_id) ON TABLE app.settings_values TO tenant_admin;

--
-- Name: COLUMN settings_values.target_id; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(target_id) ON TABLE app.settings_values TO tenant_admin;

--
-- Name: COLUMN settings_values.value; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(value),UPDATE(value) ON TABLE app.settings_values TO tenant_admin;

--
-- Name: COLUMN settings_values.updated_by; Type: ACL; Schema: app; Owner: -
--

GRANT INSERT(updated_by),UPDATE(updated_by) ON TABLE app.settings_values TO tenant_admin;

--
-- Name: COLUMN settings_values.updated_at; Type: ACL; Schema: app; Owner: -
--

GRANT UPDATE(updated_at) ON TABLE app.settings_values TO tenant_admin;

--
-- Name: TABLE tenants; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT ON TABLE app.tenants TO sales_rep;
GRANT SELECT ON TABLE app.tenants TO sales_manager;
GRANT SELECT ON TABLE app.tenants TO auditor;
GRANT SELECT ON TABLE app.tenants TO tenant_admin;

--
-- Name: TABLE worker_heartbeats; Type: ACL; Schema: app; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE app.worker_heartbeats TO svc_jobs;

--
-- Name: TABLE ai_usage_daily; Type: ACL; Schema: reporting; Owner: -
--

GRANT SELECT ON TABLE reporting.ai_usage_daily TO reporting_reader;

--
-- Name: TABLE credit_checks_daily; Type: ACL; Schema: reporting; Owner: -
--

GRANT SELECT ON TABLE reporting.credit_checks_daily TO reporting_reader;

--
-- Name: TABLE expiries_daily; Type: ACL; Schema: reporting; Owner: -
--

GRANT SELECT ON TABLE reporting.expiries_daily TO reporting_reader;

--
-- Name: TABLE feedback_response; Type: ACL; Schema: reporting; Owner: -
--

GRANT SELECT ON TABLE reporting.feedback_response TO reporting_reader;

--
-- Name: TABLE holds_by_reason; Type: ACL; Schema: reporting; Owner: -
--

GRANT SELECT ON TABLE reporting.holds_by_reason TO reporting_reader;

--
-- Name: TABLE job_backlog; Type: ACL; Schema: reporting; Owner: -
--

GRANT SELECT ON TABLE reporting.job_backlog TO reporting_reader;

--
-- Name: TABLE lead_status_daily; Type: ACL; Schema: reporting; Owner: -
--

GRANT SELECT ON TABLE reporting.lead_status_daily TO reporting_reader;

--
-- Name: TABLE rep_activity_weekly; Type: ACL; Schema: reporting; Owner: -
--

GRANT SELECT ON TABLE reporting.rep_activity_weekly TO reporting_reader;

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

