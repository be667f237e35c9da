#!/usr/bin/env node
// Entry point of the `switchboard` command. Sources are TypeScript run through tsx,
// so there is no build step between a checkout and a running PBX.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
