#!/usr/bin/env node
// carrello is written in TypeScript and runs through tsx's loader: no build step between a clone and a run.
import { register } from 'tsx/esm/api';

register();
await import('../cli/cli.ts');
