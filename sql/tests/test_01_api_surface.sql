-- The api schema is the contract with the frontend: exactly these views and functions.
-- Adding one means adding it here and to the authorization matrix (test_90).
begin;
select plan(2);

select views_are(
    'api',
    array[
        'users', 'user_accounts', 'leads', 'lead_protection', 'lead_pool', 'activities', 'activity_kinds',
        'holds', 'collaborators', 'extension_requests', 'audit_log', 'notifications', 'products',
        'settings_effective', 'jobs', 'sample_boxes', 'test_phases', 'test_results', 'product_feedback'
    ],
    'api exposes exactly the contracted views'
);

select functions_are(
    'api',
    array[
        'whoami', 'create_user', 'deactivate_user', 'register_lead', 'find_similar_leads', 'claim_lead',
        'log_activity', 'add_hold', 'end_hold', 'decide_hold', 'add_collaborator', 'remove_collaborator',
        'request_extension', 'decide_extension', 'override_protection', 'expire_now', 'transfer_lead',
        'backdate_registration', 'set_setting', 'mark_notification_read', 'set_activity_kind',
        'create_sample_box', 'start_test_phase', 'record_test_result', 'log_feedback', 'rotate_feedback_token',
        'revoke_feedback_token', 'requeue_job'
    ],
    'api exposes exactly the contracted functions'
);

select * from finish();
rollback;
