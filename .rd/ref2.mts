process.env.VITEST = '1';
