import type { NotifierPlugin } from './notifier.js';
import { Registry } from '../registry.js';
import { slack } from './slack.js';
import { email } from './email.js';
import { webhook } from './webhook.js';
import { alertmanager } from './alertmanager.js';
import { pagerduty } from './pagerduty.js';

export const notifiers = new Registry<NotifierPlugin>('notifier type', [
  slack as NotifierPlugin,
  email as NotifierPlugin,
  webhook as NotifierPlugin,
  alertmanager as NotifierPlugin,
  pagerduty as NotifierPlugin,
]);
