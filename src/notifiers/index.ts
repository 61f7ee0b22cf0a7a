import type { NotifierPlugin } from './notifier.js';
import { Registry } from '../registry.js';

export const notifiers = new Registry<NotifierPlugin>('notifier type', [], (p) => p.type);
