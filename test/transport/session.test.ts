import { describeSessionTests } from './session-cases.js';

describeSessionTests('KCP sessions over loopback UDP', 'default');
