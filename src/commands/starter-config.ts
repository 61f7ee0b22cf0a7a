// The commented starter config `credwatch init` writes. It validates as written (a test runs
// `validate` on it) and makes no network call until you uncomment a probing credential.

export const SCHEMA_FILE = 'credwatch.schema.json';

export const STARTER_CONFIG = `# yaml-language-server: $schema=./${SCHEMA_FILE}
# credwatch configuration. The line above gives completion and checking in editors that use
# yaml-language-server (VS Code's YAML extension, Neovim, Helix); \`credwatch schema\` rewrites
# ${SCHEMA_FILE} after an upgrade.
#
# Any string may hold \${NAME} (an environment variable; unset is an error). Every secret field x
# also accepts xFile: a file whose content is the secret. Relative paths are relative to this file.
#
#   credwatch validate        check this file, no network
#   credwatch check           one cycle now: a table, exit 0 ok / 1 warning / 2 worse
#   credwatch run             the daemon: schedule, HTTP server (/, /status, /metrics), alerts

database: ./data/credwatch.db       # SQLite; created with its folder
# retentionDays: 400                # history older than this is pruned

thresholds:
  warningDays: 30                   # warning from 30 days left
  criticalDays: 7                   # critical from 7 days left
  # remindDays: [60, 30, 14, 7, 3, 1]
  # repeatHours: 24

# probe: { timeoutMs: 10000, concurrency: 8, failuresBeforeAlert: 2 }
# schedule: { check: "*/15 * * * *" }   # node-cron expression
# server: { listen: "127.0.0.1:9477" }  # add token: "\${CREDWATCH_TOKEN}" to require a bearer token

notifiers: []
#  - { name: ops-slack, type: slack, url: "\${SLACK_WEBHOOK_URL}" }
#  - { name: ops-mail, type: email, from: credwatch@example.com, to: [ops@example.com],
#      smtp: { host: smtp.example.com, port: 587, user: credwatch, passwordFile: /run/secrets/smtp } }
#  - { name: oncall, type: pagerduty, routingKey: "\${PAGERDUTY_ROUTING_KEY}" }
#  - { name: am, type: alertmanager, url: "http://127.0.0.1:9093" }

defaults:
  notify: []                        # e.g. [ops-slack]
  # owner: platform-team

credentials:
  # A secret with a known expiry date: credwatch only counts the days.
  - id: example-api-key
    kind: static
    expiresAt: 2099-01-01
    description: replace with a real credential, then delete this one

  # A certificate file (and optionally its key: mismatch and loose permissions are reported).
  # - { id: edge-cert, kind: x509, path: /etc/ssl/edge.pem, key: /etc/ssl/edge.key }

  # A remote TLS endpoint.
  # - { id: api-tls, kind: tls, host: api.example.com, port: 443 }

  # A Clara API project: mTLS client certificate + OAuth 2.0 token, probed with a live call.
  # - id: clara-erp-prod
  #   kind: clara-project
  #   country: mx
  #   project: "ERP Integration - Prod"
  #   createdAt: 2026-01-10
  #   validityDays: 360
  #   certificate: ./clara/client.crt
  #   privateKey: ./clara/client.key
  #   credentialsFile: ./clara/credentials.json
  #   probe: { path: /api/v3/transactions }
  #   renewalLeadDays: 21
  #   owner: payments-team
  #   runbook: https://wiki.example.com/runbooks/clara-renewal

  # A generic OAuth 2.0 client-credentials integration.
  # - { id: partner-oauth, kind: oauth2, tokenUrl: "https://idp.example/oauth/token", clientId: x,
  #     clientSecret: "\${PARTNER_SECRET}", probe: { url: "https://api.example/ping" } }
`;
