import type { RequestHandler } from 'express';

/**
 * Headers on every answer of the process: the JSON, CSV and Arrow answers of the API carry shop input
 * (product names, campaigns, ids, SQL results) that must never be run as a page. nosniff keeps a browser
 * from guessing HTML in a text/csv or JSON answer; the policy `default-src 'none'` lets an answer opened
 * directly load and run nothing; no answer may be framed (clickjacking) or leak its URL as a referrer.
 * The dashboards' router replaces the policy with the one its pages need (dashboards/server.ts).
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Content-Security-Policy', API_CONTENT_SECURITY_POLICY);
  next();
};
