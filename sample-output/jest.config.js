const { jestConfig } = require("@salesforce/sfdx-lwc-jest/config");

module.exports = {
  ...jestConfig,
  modulePathIgnorePatterns: ["<rootDir>/.localdevserver"],
  // Coverage of the components themselves, not of tests or mocks.
  collectCoverageFrom: [
    "**/lwc/**/*.js",
    "!**/lwc/**/__tests__/**",
    "!**/lwc/**/__mocks__/**",
    "!**/jest-mocks/**",
    "!**/node_modules/**"
  ],
  coverageThreshold: {
    global: {
      lines: 90
    }
  }
};
