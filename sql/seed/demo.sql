-- Demo data for `make run` (never loaded by migrations). Idempotent: a second run changes nothing.
-- Fixed ids so tokens and links in the README stay valid across machines.
begin;

insert into app.tenants (id, slug, name) values
('10000000-0000-4000-8000-000000000001', 'freshfoodz', 'FreshFoodz'),
('10000000-0000-4000-8000-000000000002', 'nordkueche', 'Nordküche')
on conflict (id) do nothing;

insert into app.orgs (id, tenant_id, name) values
('20000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001', 'Vertrieb Nord'),
('20000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001', 'Vertrieb Süd'),
('20000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000002', 'Nordküche Vertrieb')
on conflict (id) do nothing;

insert into app.users (id, tenant_id, org_id, email, display_name, role) values
(
    '30000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001',
    '20000000-0000-4000-8000-000000000001', 'admin@freshfoodz.example', 'Anna Admin', 'tenant_admin'
),
(
    '30000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001',
    '20000000-0000-4000-8000-000000000001', 'manager@freshfoodz.example', 'Markus Manager',
    'sales_manager'
),
(
    '30000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000001',
    '20000000-0000-4000-8000-000000000001', 'auditor@freshfoodz.example', 'Aylin Auditor', 'auditor'
),
(
    '30000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000001',
    '20000000-0000-4000-8000-000000000001', 'rep1@freshfoodz.example', 'Rita Reppel', 'sales_rep'
),
(
    '30000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-000000000001',
    '20000000-0000-4000-8000-000000000001', 'rep2@freshfoodz.example', 'Rolf Ruhr', 'sales_rep'
),
(
    '30000000-0000-4000-8000-000000000006', '10000000-0000-4000-8000-000000000001',
    '20000000-0000-4000-8000-000000000002', 'rep3@freshfoodz.example', 'Sepp Süd', 'sales_rep'
),
(
    '30000000-0000-4000-8000-000000000007', '10000000-0000-4000-8000-000000000002',
    '20000000-0000-4000-8000-000000000003', 'admin@nordkueche.example', 'Nora Nord', 'tenant_admin'
),
(
    '30000000-0000-4000-8000-000000000008', '10000000-0000-4000-8000-000000000002',
    '20000000-0000-4000-8000-000000000003', 'rep1@nordkueche.example', 'Nils Nord', 'sales_rep'
)
on conflict (id) do nothing;

-- Products of the Cook&Fresh catalogue (the Xentral sync replaces this later).
insert into app.products (tenant_id, sku, name, unit) values
('10000000-0000-4000-8000-000000000001', 'CF-1001', 'Rinderroulade, vorgegart', 'Karton 10 x 180 g'),
('10000000-0000-4000-8000-000000000001', 'CF-1002', 'Kartoffelgratin', 'Blech 2,5 kg'),
('10000000-0000-4000-8000-000000000001', 'CF-1003', 'Rotkohl mit Apfel', 'Beutel 2 kg'),
('10000000-0000-4000-8000-000000000001', 'CF-2001', 'Gemüselasagne, vegetarisch', 'Blech 3 kg'),
('10000000-0000-4000-8000-000000000001', 'CF-3001', 'Panna Cotta', 'Karton 24 x 100 g'),
('10000000-0000-4000-8000-000000000002', 'NK-01', 'Labskaus', 'Beutel 2 kg')
on conflict do nothing;

-- Leads in every state, relative to the time of the first seed (a later run adds nothing).
-- Rows go into the tables directly; the triggers compute each lead's protection state.
insert into app.leads (id, tenant_id, company_name, postal_code, city, vat_key, created_by, created_at)
select
    x.id::uuid, '10000000-0000-4000-8000-000000000001', x.company_name, x.postal_code, x.city, x.vat_key,
    x.owner::uuid, now() - x.age::interval
from (
    values
    ('40000000-0000-4000-8000-000000000001', 'Gasthof Zum Adler', '10115', 'Berlin', null,
        '30000000-0000-4000-8000-000000000004', '20 days'),
    ('40000000-0000-4000-8000-000000000002', 'Hotel Seeblick GmbH', '14467', 'Potsdam', 'DE811111111',
        '30000000-0000-4000-8000-000000000004', '58 days'),
    ('40000000-0000-4000-8000-000000000003', 'Kantine Nordwerk', '20095', 'Hamburg', null,
        '30000000-0000-4000-8000-000000000004', '65 days'),
    ('40000000-0000-4000-8000-000000000004', 'Catering Müller & Söhne KG', '80331', 'München', null,
        '30000000-0000-4000-8000-000000000006', '90 days'),
    ('40000000-0000-4000-8000-000000000005', 'Restaurant Lindenhof', '50667', 'Köln', null,
        '30000000-0000-4000-8000-000000000005', '75 days'),
    ('40000000-0000-4000-8000-000000000006', 'Bistro Am Markt', '04109', 'Leipzig', null,
        '30000000-0000-4000-8000-000000000005', '10 days'),
    ('40000000-0000-4000-8000-000000000007', 'Brauhaus Alte Mühle', '01067', 'Dresden', null,
        '30000000-0000-4000-8000-000000000005', '200 days')
) as x (id, company_name, postal_code, city, vat_key, owner, age)
on conflict do nothing;

insert into app.lead_details (lead_id, tenant_id, street, vat_id, contact_name, contact_email, contact_phone)
select l.id, l.tenant_id, 'Hauptstraße 1', l.vat_key, 'Frau Beispiel', 'kontakt@example.org', '+49 30 1234567'
from app.leads as l
where l.id::text like '40000000-%'
on conflict do nothing;

-- ACTIVE (rep1, recent progress), ACTIVE with the clock stopped (rep1, open FreshFoodz hold),
-- GRACE (rep1), EXPIRED and not yet released (rep3), ACTIVE with an ASSIST collaborator (rep2),
-- UNASSIGNED (never owned) and a released pool lead (rep2, expired long ago).
insert into app.lead_assignments (id, tenant_id, lead_id, owner_id, registered_at, open_reason, opened_at)
select
    x.id::uuid, '10000000-0000-4000-8000-000000000001', x.lead_id::uuid, x.owner::uuid,
    now() - x.age::interval, 'REGISTERED', now() - x.age::interval
from (
    values
    ('50000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000001',
        '30000000-0000-4000-8000-000000000004', '20 days'),
    ('50000000-0000-4000-8000-000000000002', '40000000-0000-4000-8000-000000000002',
        '30000000-0000-4000-8000-000000000004', '58 days'),
    ('50000000-0000-4000-8000-000000000003', '40000000-0000-4000-8000-000000000003',
        '30000000-0000-4000-8000-000000000004', '65 days'),
    ('50000000-0000-4000-8000-000000000004', '40000000-0000-4000-8000-000000000004',
        '30000000-0000-4000-8000-000000000006', '90 days'),
    ('50000000-0000-4000-8000-000000000005', '40000000-0000-4000-8000-000000000005',
        '30000000-0000-4000-8000-000000000005', '75 days')
) as x (id, lead_id, owner, age)
on conflict do nothing;

insert into app.lead_assignments (
    id, tenant_id, lead_id, owner_id, registered_at, open_reason, opened_at, closed_at, release_reason,
    protection_ended_at
)
values (
    '50000000-0000-4000-8000-000000000007', '10000000-0000-4000-8000-000000000001',
    '40000000-0000-4000-8000-000000000007', '30000000-0000-4000-8000-000000000005',
    now() - interval '200 days', 'REGISTERED', now() - interval '200 days', now() - interval '130 days',
    'EXPIRED', now() - interval '130 days'
)
on conflict do nothing;
update app.leads set released_at = now() - interval '130 days'
where id = '40000000-0000-4000-8000-000000000007' and released_at is null and owner_id is null;

insert into app.activities (id, tenant_id, lead_id, assignment_id, kind, occurred_at, note, created_by)
values
(
    '60000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001',
    '40000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000001', 'QUALIFIED_CALL',
    now() - interval '5 days', 'Küchenchef interessiert an Roulade und Gratin.',
    '30000000-0000-4000-8000-000000000004'
),
(
    '60000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001',
    '40000000-0000-4000-8000-000000000005', '50000000-0000-4000-8000-000000000005', 'MEETING',
    now() - interval '30 days', 'Termin mit Einkauf.', '30000000-0000-4000-8000-000000000005'
),
(
    '60000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000001',
    '40000000-0000-4000-8000-000000000003', '50000000-0000-4000-8000-000000000003', 'CALL_ATTEMPT',
    now() - interval '3 days', 'Nicht erreicht.', '30000000-0000-4000-8000-000000000004'
)
on conflict do nothing;

insert into app.holds (
    id, tenant_id, lead_id, assignment_id, reason, note, start_at, state, requested_by, decided_by, decided_at
)
values (
    '70000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001',
    '40000000-0000-4000-8000-000000000002', '50000000-0000-4000-8000-000000000002', 'FFZ_SAMPLE_DELAY',
    'Musterkarton verspätet', now() - interval '4 days', 'APPROVED', '30000000-0000-4000-8000-000000000004',
    '30000000-0000-4000-8000-000000000004', now() - interval '4 days'
)
on conflict do nothing;

insert into app.collaborators (lead_id, user_id, tenant_id, role, added_by)
values (
    '40000000-0000-4000-8000-000000000005', '30000000-0000-4000-8000-000000000004',
    '10000000-0000-4000-8000-000000000001', 'ASSIST', '30000000-0000-4000-8000-000000000005'
)
on conflict do nothing;

-- A sample box with a running test phase for Gasthof Zum Adler, with a fixed demo feedback link
-- (local demo data only: real links are random and shown once). Every seed run makes it usable again.
insert into app.sample_boxes (id, tenant_id, lead_id, configured_by, configured_at, notes)
values (
    '80000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001',
    '40000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000004', now() - interval '6 days',
    'Lieferung Dienstag, Küche ab 9 Uhr besetzt'
)
on conflict (id) do nothing;

insert into app.sample_box_items (box_id, tenant_id, lead_id, sku, qty)
select
    '80000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001',
    '40000000-0000-4000-8000-000000000001', x.sku, x.qty
from (values ('CF-1001', 2), ('CF-1002', 1), ('CF-3001', 1)) as x (sku, qty)
on conflict do nothing;

insert into app.test_phases (id, tenant_id, lead_id, box_id, stage, start_date, end_date, created_by, created_at)
values (
    '81000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001',
    '40000000-0000-4000-8000-000000000001', '80000000-0000-4000-8000-000000000001', 'SAMPLE',
    current_date - 5, current_date + 9, '30000000-0000-4000-8000-000000000004', now() - interval '5 days'
)
on conflict (id) do nothing;

insert into app_private.feedback_tokens (
    id, tenant_id, lead_id, phase_id, token_hash, created_by, created_at, expires_at, max_submissions
)
values (
    '82000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001',
    '40000000-0000-4000-8000-000000000001', '81000000-0000-4000-8000-000000000001',
    extensions.digest('demo-feedback-link-Gasthof-Zum-Adler-000001', 'sha256'),
    '30000000-0000-4000-8000-000000000004', now() - interval '5 days', now() + interval '25 days', 50
)
on conflict (id) do update set expires_at = excluded.expires_at, revoked_at = null, submissions = 0;

insert into app.test_results (tenant_id, lead_id, phase_id, sku, outcome, sell_through, waste_delta, notes, recorded_by)
values (
    '10000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000001',
    '81000000-0000-4000-8000-000000000001', 'CF-3001', 'SUCCESS', 85, -10,
    'Als Tagesdessert ausverkauft', '30000000-0000-4000-8000-000000000004'
)
on conflict do nothing;

commit;
