select * from {{ source('files', 'semi') }}
