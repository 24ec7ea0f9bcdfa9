import { packageTestConfig } from '../../vitest.shared';

export default packageTestConfig({ hookTimeout: 120_000 });
