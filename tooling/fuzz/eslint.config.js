import { config } from '@vm/eslint-config';

export default config(import.meta.dirname);
