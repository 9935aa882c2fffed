export { nativeTrapStack } from './native-stacks.js';
