import { Injectable } from '@nestjs/common';
import { DomainError } from '@wxpay/contracts';
import { PageTokens } from '@wxpay/grpc';
import { type ReviewCase, type ReviewLabel, type ReviewStatus } from '../domain/reviews/review-case';
import { ReviewRepository } from '../persistence/review.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface ReviewListing {
  cases: ReviewCase[];
  /** Empty on the last page. */
  nextPageToken: string;
}

/**
 * The review queue as the console works it: pages of cases by status (keyset page tokens bound to the status),
 * one reviewer's claim at a time (a lease), a resolution by the claim's holder. Refusals are ReviewConflictErrors.
 */
@Injectable()
export class ReviewService {
  constructor(private readonly reviews: ReviewRepository) {}

  async list(status: ReviewStatus, limit: number, pageToken: string): Promise<ReviewListing> {
    const filters = { status };
    const after = PageTokens.decode(pageToken, 2, filters);
    let cursor: { createdAt: string; decisionId: string } | undefined;
    if (after) {
      const [createdAt, decisionId] = after as [string, string];
      if (Number.isNaN(Date.parse(createdAt)) || !UUID.test(decisionId)) {
        throw DomainError.invalid('page_token', 'is not a token from a previous page');
      }
      cursor = { createdAt, decisionId };
    }
    const page = await this.reviews.list(status, limit, cursor);
    return {
      cases: page.cases,
      nextPageToken: page.next ? PageTokens.encode([page.next.createdAt, page.next.decisionId], filters) : '',
    };
  }

  claim(decisionId: string, reviewer: string, leaseSeconds: number): Promise<ReviewCase> {
    return this.reviews.claim(decisionId, reviewer, leaseSeconds);
  }

  resolve(decisionId: string, reviewer: string, label: ReviewLabel, note: string): Promise<ReviewCase> {
    return this.reviews.resolve(decisionId, reviewer, label, note);
  }
}
