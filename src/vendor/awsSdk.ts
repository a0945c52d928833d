/*
 * The AWS SDK (about two thirds of the bundled code) as a bundle of its own, dist/awsSdk.js, which the
 * extension and the CLI require only when an S3 remote is first used (see esbuild.js): loading the
 * extension then parses a fraction of the code, and sessions that never sync with S3 never load it.
 */
export * as s3 from '@aws-sdk/client-s3';
export * as storage from '@aws-sdk/lib-storage';
