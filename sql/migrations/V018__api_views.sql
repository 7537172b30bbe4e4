-- The api views of SPEC 4.1 (leads and everything around them).
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- Status and deadlines of every lead the caller may see, computed at read time from the stored
-- state, the tenant's configuration (a join) and the clock. The deadline functions are plain SQL and
-- get inlined into the query: no per-row function call, no per-query re-planning.
create view app.lead_overview
with (security_invoker = true)
as
select
    l.id,
    l.tenant_id,
    l.company_name,
    l.postal_code,
    l.city,
    l.created_at,
    l.released_at,
    l.owner_id,
    l.registered_at,
    l.anchor_at as last_progress_at,
    l.override_until,
    case
        when l.owner_id is null then case when l.released_at is null then 'UNASSIGNED' else 'EXPIRED' end
        else d.status
    end as status,
    d.progress_due_at,
    d.warning_at,
    d.grace_until,
    d.term_end_at,
    d.expires_at,
    round(d.held_seconds / 86400, 2) as held_days,
    coalesce(d.clock_stopped, false) as clock_stopped
from app.leads as l
inner join app.protection_configs as c on l.tenant_id = c.tenant_id
-- The clock once per query, as a plain value: app.now() itself as an argument would be evaluated at
-- every use inside the inlined formulas (three times slower); LIMIT keeps it a separate subquery.
cross join (select app.now() as t limit 1) as clock  -- noqa: ST05, AM09
left join lateral app.protection_deadlines(
    l.registered_at, l.anchor_at, l.held_since_anchor, l.held_since_registration, l.hold_start, l.hold_end,
    l.hold_reason, l.extension_days, l.override_until, c.timezone, c.progress_days, c.warning_days,
    c.grace_days, c.base_months, c.mode, c.hold_max_days, clock.t
) as d on true;
comment on view app.lead_overview is
'Leads visible to the caller with their protection status and deadlines now (basis of the api views).';
grant select on app.lead_overview to sales_rep, sales_manager, auditor, tenant_admin;

create view api.leads
with (security_invoker = true)
as
select
    o.id,
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
    o.created_at
from app.lead_overview as o
left join app.lead_details as d on o.id = d.lead_id;
comment on view api.leads is
'Leads the caller may see. Address and contact fields are empty where the caller may not read them '
'(a rep on a pool lead).';
comment on column api.leads.id is 'Lead id.';
comment on column api.leads.company_name is 'Company name.';
comment on column api.leads.street is 'Street and number.';
comment on column api.leads.postal_code is 'Postal code.';
comment on column api.leads.city is 'City.';
comment on column api.leads.country is 'ISO country code.';
comment on column api.leads.vat_id is 'VAT id.';
comment on column api.leads.contact_name is 'Contact person.';
comment on column api.leads.contact_email is 'Contact e-mail.';
comment on column api.leads.contact_phone is 'Contact phone.';
comment on column api.leads.owner_id is 'Current owner; null in the pool.';
comment on column api.leads.registered_at is 'Start of the current protection.';
comment on column api.leads.status is 'UNASSIGNED, ACTIVE, GRACE or EXPIRED.';
comment on column api.leads.created_at is 'When the lead was first registered.';

create view api.lead_protection
with (security_invoker = true)
as
select
    o.id as lead_id,
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
from app.lead_overview as o;
comment on view api.lead_protection is
'Protection of each visible lead now: status, deadlines, stop-the-clock. Owner and deadlines are '
'null for pool leads.';
comment on column api.lead_protection.lead_id is 'Lead id.';
comment on column api.lead_protection.owner_id is 'Owner; null in the pool.';
comment on column api.lead_protection.status is 'UNASSIGNED, ACTIVE, GRACE or EXPIRED.';
comment on column api.lead_protection.clock_stopped is 'An approved hold stops the clock right now.';
comment on column api.lead_protection.registered_at is 'Start of protection.';
comment on column api.lead_protection.last_progress_at is 'Latest qualifying activity, or registration.';
comment on column api.lead_protection.progress_due_at is 'New progress due by then (GRACE after).';
comment on column api.lead_protection.warning_at is 'When the owner is warned.';
comment on column api.lead_protection.grace_until is 'End of the grace period.';
comment on column api.lead_protection.term_end_at is 'End of the term (base months + holds + extensions).';
comment on column api.lead_protection.expires_at is 'When protection ends unless progress is shown.';
comment on column api.lead_protection.override_until is 'Manager override: protected at least until then.';
comment on column api.lead_protection.held_days is 'Days the clock stood still in this cycle.';

create view api.lead_pool
with (security_invoker = true)
as
select
    o.id,
    o.company_name,
    o.postal_code,
    o.city,
    o.status,
    o.released_at
from app.lead_overview as o
where o.status in ('UNASSIGNED', 'EXPIRED');
comment on view api.lead_pool is
'Leads anyone in the tenant may claim: never owned, released, or expired and not yet released.';
comment on column api.lead_pool.id is 'Lead id (for claim_lead).';
comment on column api.lead_pool.company_name is 'Company name.';
comment on column api.lead_pool.postal_code is 'Postal code.';
comment on column api.lead_pool.city is 'City.';
comment on column api.lead_pool.status is 'UNASSIGNED or EXPIRED.';
comment on column api.lead_pool.released_at is 'When it was last released (null if never owned or not yet released).';

create view api.activities
with (security_invoker = true)
as
select
    a.id,
    a.lead_id,
    a.kind,
    a.occurred_at,
    a.note,
    k.counts_as_progress,
    a.created_by,
    a.created_at
from app.activities as a
inner join app.activity_kinds as k on a.tenant_id = k.tenant_id and a.kind = k.kind;
comment on view api.activities is 'Activities of leads the caller may read in full.';
comment on column api.activities.id is 'Activity id.';
comment on column api.activities.lead_id is 'Lead.';
comment on column api.activities.kind is 'Kind.';
comment on column api.activities.occurred_at is 'When it happened.';
comment on column api.activities.note is 'Free text.';
comment on column api.activities.counts_as_progress is 'Whether its kind counts as progress (now).';
comment on column api.activities.created_by is 'Who logged it (null: the system).';
comment on column api.activities.created_at is 'When it was logged.';

create view api.activity_kinds
with (security_invoker = true)
as
select
    k.kind,
    k.counts_as_progress,
    k.description
from app.activity_kinds as k;
comment on view api.activity_kinds is 'Activity kinds of the caller''s tenant and whether they count as progress.';
comment on column api.activity_kinds.kind is 'Kind code.';
comment on column api.activity_kinds.counts_as_progress is 'Qualifying: renews protection.';
comment on column api.activity_kinds.description is 'What it means.';

create view api.holds
with (security_invoker = true)
as
select
    h.id,
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
from app.holds as h;
comment on view api.holds is 'Stop-the-clock holds of leads the caller may read in full.';
comment on column api.holds.id is 'Hold id.';
comment on column api.holds.lead_id is 'Lead.';
comment on column api.holds.reason is
'FFZ_PRICE_APPROVAL, FFZ_SAMPLE_DELAY, FFZ_SUPPLY_ISSUE, CUSTOMER_BLOCKED, OTHER.';
comment on column api.holds.note is 'Explanation.';
comment on column api.holds.start_at is 'Start.';
comment on column api.holds.end_at is 'End (exclusive); null while open.';
comment on column api.holds.state is 'PENDING, APPROVED or REJECTED.';
comment on column api.holds.requested_by is 'Who asked for it.';
comment on column api.holds.decided_by is 'Who decided.';
comment on column api.holds.decided_at is 'When it was decided.';
comment on column api.holds.decision_note is 'Note of the decision.';
comment on column api.holds.created_at is 'When it was requested.';

create view api.collaborators
with (security_invoker = true)
as
select
    c.lead_id,
    c.user_id,
    c.role,
    c.added_by,
    c.added_at
from app.collaborators as c;
comment on view api.collaborators is 'Collaborators of leads the caller may read in full.';
comment on column api.collaborators.lead_id is 'Lead.';
comment on column api.collaborators.user_id is 'Collaborating user.';
comment on column api.collaborators.role is 'VIEW, ASSIST or NEGOTIATE.';
comment on column api.collaborators.added_by is 'Who added them.';
comment on column api.collaborators.added_at is 'When.';

create view api.extension_requests
with (security_invoker = true)
as
select
    x.id,
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
from app.extension_requests as x;
comment on view api.extension_requests is 'Extension requests of leads the caller may read in full.';
comment on column api.extension_requests.id is 'Request id.';
comment on column api.extension_requests.lead_id is 'Lead.';
comment on column api.extension_requests.days is 'Days requested.';
comment on column api.extension_requests.reason is 'Why.';
comment on column api.extension_requests.state is 'PENDING, APPROVED or REJECTED.';
comment on column api.extension_requests.requested_by is 'Owner who asked.';
comment on column api.extension_requests.requested_at is 'When.';
comment on column api.extension_requests.decided_by is 'Manager who decided.';
comment on column api.extension_requests.decided_at is 'When it was decided.';
comment on column api.extension_requests.decision_note is 'Note of the decision.';
comment on column api.extension_requests.due_at is 'Decision due; escalated to admins after.';
comment on column api.extension_requests.escalated_at is 'When it was escalated.';

create view api.audit_log
with (security_invoker = true)
as
select
    a.id,
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
from app.audit_log as a;
comment on view api.audit_log is
'Audit entries: the whole tenant for managers, auditors and admins; a rep''s readable leads.';
comment on column api.audit_log.id is 'Entry id (write order).';
comment on column api.audit_log.occurred_at is 'When.';
comment on column api.audit_log.actor_id is 'Who acted (null: the system).';
comment on column api.audit_log.actor_role is 'Their role then.';
comment on column api.audit_log.action is 'What happened.';
comment on column api.audit_log.entity_type is 'Kind of entity.';
comment on column api.audit_log.entity_id is 'Entity id.';
comment on column api.audit_log.lead_id is 'Lead concerned.';
comment on column api.audit_log.before is 'State before.';
comment on column api.audit_log.after is 'State after.';
comment on column api.audit_log.reason is 'Reason given.';
comment on column api.audit_log.request_id is 'Request id of the HTTP call.';

create view api.notifications
with (security_invoker = true)
as
select
    n.id,
    n.user_id,
    n.kind,
    n.lead_id,
    n.created_at,
    n.read_at,
    n.subject,
    n.body
from app.notifications as n;
comment on view api.notifications is 'The caller''s own notifications.';
comment on column api.notifications.id is 'Notification id.';
comment on column api.notifications.user_id is 'Recipient (the caller).';
comment on column api.notifications.kind is 'WARNING, REMINDER, EXPIRED, ESCALATION, HOLD_PENDING, ...';
comment on column api.notifications.lead_id is 'Lead concerned.';
comment on column api.notifications.created_at is 'When.';
comment on column api.notifications.read_at is 'When it was marked read.';
comment on column api.notifications.subject is 'Subject.';
comment on column api.notifications.body is 'Text.';

create view api.products
with (security_invoker = true)
as
select
    p.sku,
    p.name,
    p.unit,
    p.active
from app.products as p;
comment on view api.products is 'The product catalogue of the caller''s tenant.';
comment on column api.products.sku is 'Article number.';
comment on column api.products.name is 'Name.';
comment on column api.products.unit is 'Sales unit.';
comment on column api.products.active is 'Still sold.';

create view api.settings_effective
with (security_invoker = true)
as
select
    r.key,
    app.effective_setting(
        r.key, (select app.current_tenant_id()), (select app.current_org_id()), (select app.current_user_id())
    ) as value,
    r.default_value,
    r.allowed_scopes,
    r.description
from app.settings_registry as r
where (select app.current_tenant_id()) is not null;
comment on view api.settings_effective is
'Every setting''s effective value for the caller (user > org > tenant > global > default).';
comment on column api.settings_effective.key is 'Setting key.';
comment on column api.settings_effective.value is 'Effective value.';
comment on column api.settings_effective.default_value is 'Value when no scope sets one.';
comment on column api.settings_effective.allowed_scopes is 'Scopes an admin may set.';
comment on column api.settings_effective.description is 'What it does.';

grant select on
api.leads, api.lead_protection, api.lead_pool, api.activities, api.activity_kinds, api.holds,
api.collaborators, api.extension_requests, api.audit_log, api.notifications, api.products,
api.settings_effective
to sales_rep, sales_manager, auditor, tenant_admin;
