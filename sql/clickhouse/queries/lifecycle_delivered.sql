-- The seq up to which an endpoint has every announcement acknowledged or dead-lettered (none: 0).
SELECT max(delivered_seq) AS delivered_seq FROM lifecycle_delivered WHERE endpoint = {endpoint:String}
