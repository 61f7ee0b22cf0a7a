import type { Kind } from './kind.js';
import { Registry } from '../registry.js';
import { x509Kind } from './x509.js';
import { claraKind } from './clara.js';
import { staticKind } from './static.js';
import { tlsKind } from './tls.js';
import { clarusKind } from './clarus.js';
import { oauth2Kind } from './oauth2.js';

/** Every credential kind. A new kind is its own file plus one line here. */
export const kinds = new Registry<Kind<any>>('credential kind', [x509Kind, claraKind, staticKind, tlsKind, clarusKind, oauth2Kind]);
